import io

from apps.common.progress import ProgressBar


def test_progress_bar_draws_one_line_and_ends_it():
    out = io.StringIO()
    bar = ProgressBar(out, enabled=True)
    bar.show(0.5, "5/10 clients")
    bar.show(1.0, "10/10 clients", final=True)
    text = out.getvalue()
    assert text.startswith("\r[" + "#" * 15)
    assert text.endswith("100.0% 10/10 clients\n")


def test_disabled_progress_bar_writes_nothing():
    out = io.StringIO()
    ProgressBar(out, enabled=False).show(1.0, "done", final=True)
    assert out.getvalue() == ""
