"""`python -m datasets.prepare`: every task of a sequence built before training, the
missing ones listed together."""

import datasets_fixtures as fixtures

from datasets import pix2pix, prepare


def test_prepare_builds_a_toy_task_and_an_own_folder_and_reports_sizes(tmp_path, capsys):
    folder = fixtures.write_ab_folder(tmp_path / "mine")
    data_dir = str(tmp_path / "tfds")
    status = prepare.main([f"--tasks=toy_edges2bags,mine={folder}", f"--data_dir={data_dir}"])
    out = capsys.readouterr().out
    assert status == 0, out
    lines = {line.split()[0]: line for line in out.splitlines() if " ready " in line}
    assert set(lines) == {"toy_edges2bags", "mine"}
    assert "(test 100, train 400)" in lines["toy_edges2bags"]
    assert "(test 2, train 3)" in lines["mine"]
    assert out.rstrip().splitlines()[-1].startswith("All 2 task(s) ready, ")
    # A second call finds everything prepared and generates nothing anew.
    assert prepare.main([f"--tasks=mine={folder}", f"--data_dir={data_dir}"]) == 0


def test_offline_prepare_lists_every_missing_archive_in_one_message(tmp_path, monkeypatch, capsys):
    # Port 9 (discard) on localhost refuses the connection, as a machine offline does.
    monkeypatch.setattr(pix2pix, "PIX2PIX_URL_ROOT", "http://127.0.0.1:9/pix2pix/datasets")
    folder = fixtures.write_pix2pix_folder(tmp_path / "mine")
    data_dir = tmp_path / "tfds"
    status = prepare.main([f"--tasks=facades,mine={folder},maps", f"--data_dir={data_dir}"])
    captured = capsys.readouterr()
    assert status == 1
    assert "mine " in captured.out and " ready " in captured.out  # the task that could be had
    error = captured.err[captured.err.index("error: "):]  # after TFDS' progress bars
    assert error.startswith("error: Cannot download 2 files (127.0.0.1:9 refused the connection)")
    for name in ("facades", "maps"):
        assert (
            f"http://127.0.0.1:9/pix2pix/datasets/{name}.tar.gz at "
            f"{data_dir / 'downloads' / 'manual' / name}.tar.gz" in error
        )
    assert "Traceback" not in error
