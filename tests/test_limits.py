"""Long work obeys its limits: hard deadlines, time limits that cover the replay, knot and memory
budgets, per-neuron time checks, and progress on stderr only when wanted.  No timed assertion: the
limits are small, the loops they must stop are long (generous margins), or the clock is injected."""
import json
import time
from fractions import Fraction as F

import pytest

from exactrelu import InputError, LimitReached, Net, kernel
from exactrelu.analysis import regions as regions_mod, sup as sup_mod
from exactrelu.analysis.regions import linear_regions
from exactrelu.analysis.sup import sup
from exactrelu.io import save_net
from exactrelu.progress import deadline

from helpers import cli


def _busy(seconds):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        pass


def _comb(n):
    """A 1-D net with n breakpoints k/(n+1) inside [0, 1]: a zigzag of n + 1 pieces."""
    return Net([([[1]] * n, [F(-k, n + 1) for k in range(1, n + 1)]),
                ([[(-1) ** k * 2 for k in range(n)]], [0])])


# -- deadline ------------------------------------------------------------------------------------

def test_deadline_stops_work_that_has_no_checks():
    with pytest.raises(LimitReached, match="busy: time limit of 0.05s"):
        with deadline(0.05, "busy"):
            _busy(30)


def test_nested_deadlines_keep_the_earlier_and_rearm_the_outer():
    with pytest.raises(LimitReached, match="outer"):
        with deadline(0.1, "outer"):
            with deadline(100, "inner"):     # later than the outer one: the outer still fires
                _busy(30)
    with pytest.raises(LimitReached, match="outer"):
        with deadline(0.3, "outer"):
            with pytest.raises(LimitReached, match="inner"):
                with deadline(0.05, "inner"):
                    _busy(30)
            _busy(30)                        # the outer deadline is armed again after the inner one


def test_no_deadline_is_a_no_op():
    with deadline(None, "x"):
        _busy(0.01)


# -- sup: time_limit covers the replay; auto's second method gets only the time left --------------

def test_sup_time_limit_covers_the_kernel_replay(monkeypatch):
    real = kernel.replay

    def slow(*a, **k):
        _busy(5)                             # a replay much longer than the limit
        return real(*a, **k)
    monkeypatch.setattr(kernel, "replay", slow)
    with pytest.raises(LimitReached, match="during the kernel's replay"):
        sup(_comb(5), time_limit=0.2)


def test_auto_gives_branch_and_bound_only_the_time_left(monkeypatch):
    import random
    rnd = random.Random(1)
    W1 = [[F(rnd.randint(-8, 8), 8), 0] if k % 2 else [0, F(rnd.randint(-8, 8), 8)] for k in range(30)]  # cuts first
    W2 = [[F(rnd.randint(-8, 8), 8) for _ in range(30)] for _ in range(30)]
    net = Net([(W1, [F(rnd.randint(-8, 8), 16) for _ in range(30)]),
               (W2, [F(rnd.randint(-8, 8), 16) for _ in range(30)]), ([[1] * 30], [0])])
    spent = []
    real = sup_mod._Search.run

    def slow_run(self):                 # the region search first: it spends 0.2 s and stops at its limit
        spent.append(self.limits["time_limit"])
        import time
        time.sleep(0.2)
        self.stopped = "time_limit reached"
        return real(self)
    monkeypatch.setattr(sup_mod._Search, "run", slow_run)
    seen = {}

    class Seen(Exception):
        pass

    def fake(nets, box, signs, limits, rel_gap, bar=None, method="bnb"):
        seen.update(limits)
        raise Seen
    monkeypatch.setattr(sup_mod, "_search_boxes", fake)
    with pytest.raises(Seen):
        sup(net, time_limit=100)
    # the region search spent its 0.2 s: bnb gets less than the search's share (it got 100 s before)
    assert spent and seen["time_limit"] <= 100 * sup_mod.SEARCH_SHARE - 0.2
    seen.clear()
    with pytest.raises(Seen):
        sup(net, time_limit=100, check=False)     # no replay: the search's share is the whole limit
    assert 100 * sup_mod.SEARCH_SHARE < seen["time_limit"] <= 100 - 0.2


def test_sup_reason_names_the_users_time_limit():
    TEACHER = Net([([[2, 1], [1, -1], [-1, 3], [1, 1]], [0, F(1, 3), F(-1, 2), F(-1)]),
                   ([[1, -2, 1, 1], [1, 1, -1, 2]], [F(1, 5), F(-1, 4)]), ([[1, -1]], [0])])
    r = sup(TEACHER, time_limit=0)
    assert not r.exact and r.reason.startswith("time_limit=0s") and "replay" in r.reason


# -- d = 1 knots: max_regions and the memory budget ----------------------------------------------

def test_knots_obey_max_regions():
    assert sup(_comb(20)).stats["knots"] == 22
    with pytest.raises(InputError, match="at least 21 linear regions .* max_regions=5"):
        sup(_comb(20), max_regions=5)        # refused up front: the first layer shows 21 pieces
    deep = Net([([[1]], [0]), ([[1]] * 30, [F(-k, 31) for k in range(1, 31)]), ([[1] * 30], [0])])
    assert sup(deep).stats["knots"] == 32
    with pytest.raises(LimitReached, match="max_regions=5 reached"):
        sup(deep, max_regions=5)             # only the second layer shows the 31 pieces


def test_knots_beyond_the_memory_budget_are_refused_up_front():
    with pytest.raises(InputError, match="at least 22 knots x 20 neurons .* memory budget"):
        sup(_comb(20), memory_limit=22 * 20 * sup_mod.KNOT_NEURON_BYTES - 1)
    assert sup(_comb(20), memory_limit=22 * 20 * sup_mod.KNOT_NEURON_BYTES).exact


def test_knots_reaching_the_memory_budget_stop():
    # the first layer has no breakpoint inside (0, 1): only the second layer's 30 show the size
    deep = Net([([[1]], [0]), ([[1]] * 30, [F(-k, 31) for k in range(1, 31)]), ([[1] * 30], [0])])
    budget = 10 * 31 * sup_mod.KNOT_NEURON_BYTES     # room for 10 knots
    with pytest.raises(LimitReached, match="memory budget"):
        sup(deep, memory_limit=budget)


def test_cli_memory_limit(tmp_path):
    p = tmp_path / "comb.json"
    save_net(_comb(200), p)                  # 202 knots x 200 neurons x 48 bytes > 1 MB
    code, out, err = cli("sup", p, "--memory-limit", "1")
    assert code == 2 and "memory budget" in err and out == ""
    code, out, err = cli("sup", p, "--memory-limit", "1", "--replay", p)
    assert code == 2 and "--memory-limit" in err


# -- regions: the time is checked before every neuron (injected clock) ------------------------------

class _Clock:
    """perf_counter advancing 1 s per call."""
    def __init__(self):
        self.t = 0.0

    def perf_counter(self):
        self.t += 1.0
        return self.t


def test_region_time_limit_is_checked_per_neuron(monkeypatch):
    wide = Net([([[1]] * 40, [k for k in range(1, 41)]), ([[1] * 40], [0])])   # one region, 40 neurons
    assert sum(1 for _ in linear_regions(wide, [(0, 1)], time_limit=10)) == 1
    monkeypatch.setattr(regions_mod, "time", _Clock())
    with pytest.raises(LimitReached, match="time_limit=10"):
        list(linear_regions(wide, [(0, 1)], time_limit=10))


# -- progress: on stderr when asked, silent otherwise ---------------------------------------------

def test_progress_on_request_only(tmp_path):
    p = tmp_path / "comb.json"
    save_net(_comb(20), p)
    code, out, err = cli("sup", p, "--progress")
    assert code == 0 and "sup" in err and "step" in err and "sup =" in out
    code, out, err = cli("sup", p)                      # stderr is not a terminal: quiet
    assert code == 0 and err == ""
    code, out, err = cli("sup", p, "--json")
    assert code == 0 and err == "" and json.loads(out)["exact"] is True
    code, out, err = cli("regions", p, "--progress", "--json")
    assert code == 0 and "region" in err and json.loads(out)["regions"] == 21
    code, out, err = cli("regions", p)
    assert code == 0 and err == ""


def test_knots_in_small_chunks_are_the_same(monkeypatch):
    from exactrelu.analysis import pl1d
    deep = Net([([[1], [-1], [2]], [F(-1, 3), F(1, 2), F(-1, 5)]),
                ([[1, -1, 1], [2, 1, -1], [-1, 1, 1]], [F(-1, 7), F(1, 9), F(-1, 4)]), ([[1, -2, 1]], [0])])
    whole = pl1d.knots((deep,), F(-2), F(2))
    vals = pl1d.values(deep, whole)
    monkeypatch.setattr(pl1d, "CHUNK_ENTRIES", 1)           # two points a chunk, one of them shared
    assert pl1d.knots((deep,), F(-2), F(2)) == whole and pl1d.values(deep, whole) == vals
    assert vals == [deep((x,))[0] for x in whole]
    assert len(whole) <= pl1d.knot_bound((deep,), F(-2), F(2))


def test_cli_regions_deadline_stops_a_long_lp(tmp_path, monkeypatch):
    net = Net([([[1, 2], [-1, 1], [3, -1]], [F(-1, 2), 0, F(1, 4)]), ([[1, 1, -1]], [0])])
    p = tmp_path / "net.json"
    save_net(net, p)
    real = regions_mod.lp_max

    def slow(*a, **k):
        _busy(5)                             # one LP far longer than the limit, no check inside it
        return real(*a, **k)
    monkeypatch.setattr(regions_mod, "lp_max", slow)
    code, out, err = cli("regions", p, "--time-limit", "0.1")
    assert code == 3 and "limit reached: regions: time_limit=0.1s" in err and out == ""


def test_cli_replay_refuses_progress(tmp_path):
    p = tmp_path / "comb.json"
    save_net(_comb(3), p)
    code, _, err = cli("sup", p, "--replay", p, "--progress")
    assert code == 2 and "--progress" in err
