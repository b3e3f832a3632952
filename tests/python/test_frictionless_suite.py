"""The differential suite (issue 28; see frictionless_suite.py): luban and the pinned
Frictionless on every case built from Frictionless' own tests and frictionless-py's data/
fixtures. Fails on any disagreement that docs/frictionless-deviations.md does not list,
on a listed case that no longer disagrees (so the file stays true), and when agreement
falls below the floor that file states.
"""
import fnmatch
import os
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import frictionless_suite as suite  # noqa: E402


def test_luban_agrees_with_frictionless_on_its_own_suite_but_for_listed_deviations():
    luban_bin = os.environ.get("LUBAN_BIN")
    assert luban_bin and pathlib.Path(luban_bin).exists(), "set LUBAN_BIN (see .ci/run)"
    results = suite.run(luban_bin)
    assert len(results) >= 600, f"only {len(results)} cases were built"
    _, listed = suite.deviations()
    disagree = [(c, t, o) for c, t, o, _, _ in results if t != o]
    unlisted = [
        f"{c.id}: frictionless {suite.show(t)}, luban {suite.show(o)}"
        for c, t, o in disagree
        if not any(fnmatch.fnmatchcase(c.id, p) for p in listed)
    ]
    assert not unlisted, "disagreements not in docs/frictionless-deviations.md:\n" + "\n".join(unlisted)
    stale = [p for p in listed if not any(fnmatch.fnmatchcase(c.id, p) for c, _, _ in disagree)]
    assert not stale, f"listed deviations that no case shows any more: {stale}"
    agree = len(results) - len(disagree)
    floor = float(re.search(r"Agreement floor: ([0-9.]+)%", suite.DEVIATIONS.read_text()).group(1))
    figure = 100 * agree / len(results)
    print(f"{agree} of {len(results)} cases agree ({figure:.1f}%)")
    assert figure >= floor, f"agreement {figure:.1f}% fell below the floor {floor}%"
