"""exactrelu.progress: on when asked or on a terminal, silent otherwise, never on stdout."""
import argparse
import io

from exactrelu.progress import Progress, add_option, wanted


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_wanted_auto_follows_the_terminal_and_json():
    assert wanted(None, stream=_Tty()) is True
    assert wanted(None, stream=io.StringIO()) is False
    assert wanted(None, json=True, stream=_Tty()) is False


def test_wanted_flag_forces():
    assert wanted(True, json=True, stream=io.StringIO()) is True
    assert wanted(False, stream=_Tty()) is False


def test_option_parses_progress_and_no_progress():
    p = argparse.ArgumentParser()
    add_option(p)
    assert p.parse_args([]).progress is None
    assert p.parse_args(["--progress"]).progress is True
    assert p.parse_args(["--no-progress"]).progress is False


def test_enabled_bar_writes_to_its_stream():
    out = io.StringIO()
    with Progress("work", total=3, enabled=True, file=out) as bar:
        for _ in range(3):
            bar.update()
        bar.note("done")
    assert "work" in out.getvalue() and "3/3" in out.getvalue()


def test_disabled_bar_writes_nothing(capsys):
    with Progress("work", total=3, enabled=False) as bar:
        bar.update()
        bar.note("x")
        assert not bar.enabled
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err == ""
