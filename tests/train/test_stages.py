"""The stage plan: which heads, frames and parameter groups each stage of a run trains."""

from seqrdp.train.stages import CORE, HEADS, plan, stage_at


def _config(mode="universal", iframe=0, **extra):
    return {
        "mode": mode, "plf": "jd" if mode == "end-to-end" else None, "heads": ["fmd", "jd"],
        "mse_steps": 5, "iframe_steps": iframe, "perception_steps": 7, **extra,
    }  # fmt: skip


def test_universal_without_a_frame_1_stage_trains_every_head_part_on_every_frame():
    mse, iframe, perception = plan(_config())
    assert (mse.heads, mse.trains, mse.perception) == (("mse",), CORE, False)
    assert iframe.steps == 0
    assert (perception.start, perception.stop) == (5, 12)
    assert perception.trains == HEADS and perception.frames == (1, None)
    assert perception.heads == ("fmd", "jd") and perception.perception


def test_a_frame_1_stage_trains_frame_1_decoders_on_one_frame_then_p_frames_on_the_rest():
    _, iframe, perception = plan(_config(iframe=3))
    assert (iframe.start, iframe.stop, iframe.frames) == (5, 8, (1, 1))
    assert iframe.trains == ("heads.iframe",)
    assert (perception.start, perception.stop, perception.frames) == (8, 15, (2, None))
    assert perception.trains == ("heads.pframe",)


def test_end_to_end_stages_move_the_whole_codec_for_its_one_plf():
    mse, iframe, perception = plan(_config("end-to-end", iframe=2))
    assert mse.heads == ("jd",) and set(mse.trains) == {*CORE, *HEADS}
    assert set(iframe.trains) == {"core.iframe", "heads.iframe"}
    assert set(perception.trains) == {"core.pframe", "heads.pframe"}


def test_stage_at_maps_every_step_to_the_stage_holding_it():
    stages = plan(_config(iframe=3))
    names = [stage_at(stages, step).name for step in range(15)]
    assert names == ["mse"] * 5 + ["iframe"] * 3 + ["perception"] * 7


def test_freeze_iframe_keeps_frame_1_core_out_of_every_stage():
    for mode in ("universal", "end-to-end"):
        stages = plan(_config(mode, iframe=2, freeze_iframe=True))
        assert all("core.iframe" not in stage.trains for stage in stages)
        assert "core.pframe" in stages[0].trains


def test_a_shared_frame_1_decoder_is_scored_by_every_heads_critic():
    for head in ("generator", "patch", "refine"):
        _, iframe, perception = plan(_config(iframe=2, iframe_head=head))
        assert iframe.heads == perception.heads == ("fmd", "jd")


def test_greedy_without_a_frame_1_stage_trains_p_frame_decoders_on_frames_2_on():
    _, iframe, perception = plan(_config(greedy=True))
    assert iframe.steps == 0
    assert perception.trains == ("heads.pframe",) and perception.frames == (2, None)
