"""The literature catalogue (fieldsym.catalogue): every entry names its source and parses; a
representative subset is solved in the default run, the whole catalogue in the slow run, with
the acceptance targets of issue 35: at least 95 % matched in dimension and generators, none
wrong, each under 60 s of CPU time, the rest reported unsolved."""

import collections

import pytest

from fieldsym.catalogue import _jet as catalogue_jet
from fieldsym.catalogue import check_entry, entries, vector_field

ENTRIES = entries()
BY_NAME = {e.name: e for e in ENTRIES}

# one or two per kind: ODE, linearizable ODE (polynomial in x, in exp(x)), evolution,
# non-polynomial, implicit, wave, classification case, infinite algebra, system, variational
FAST = ["free particle y'' = 0", "Chazy", "y'' = x", "Airy-free y'' = exp(x)", "Burgers",
        "KdV with parameters", "u_t = exp(u_x) u_xx", "implicit u_t**3 = u_xx",
        "sine-Gordon (light cone)",
        "porous medium n = -4/3", "heat", "heat with a sink u_t = u_xx - 1",
        "Liouville (light cone)", "nonlinear Schroedinger (real form)",
        "harmonic oscillator (Noether)"]


def test_catalogue_has_150_sourced_entries_with_distinct_names():
    assert len(ENTRIES) >= 150
    assert len(BY_NAME) == len(ENTRIES)
    for e in ENTRIES:
        assert e.source.strip(), e.name
        assert bool(e.equations) != bool(e.lagrangian), e.name


def test_every_entry_and_generator_parses():
    for e in ENTRIES:
        jet = catalogue_jet(e)
        params = e.params.split()
        for g in e.generators + e.members:
            vector_field(g, jet, params)


@pytest.mark.parametrize("name", FAST)
def test_representative_entries_match_their_published_algebra(name):
    out = check_entry(BY_NAME[name], timeout=60)
    assert out.status == "matched", (name, out.detail)


@pytest.mark.slow
def test_whole_catalogue_meets_the_targets():
    outcomes = [check_entry(e, timeout=60) for e in ENTRIES]
    counts = collections.Counter(o.status for o in outcomes)
    report = "\n".join(f"{o.status:16s} {o.cpu_seconds:6.1f} s  {o.entry.name}: {o.detail}"
                       for o in outcomes if o.status != "matched")
    assert counts["wrong"] == 0, report
    assert counts["entry-error"] == 0 and counts["entry-incomplete"] == 0, report
    assert counts["matched"] >= 0.95 * len(ENTRIES), report
    assert all(o.cpu_seconds < 60 for o in outcomes if o.status == "matched"), report
