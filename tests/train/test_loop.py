"""The training loop: it learns, it resumes exactly, and stages move the right parameters."""

import csv
import json
import math

import pytest
import torch
from safetensors.torch import load_file

from seqrdp.codec.loading import load_codec
from seqrdp.codec.model import SequentialCodec
from seqrdp.errors import UsageError
from seqrdp.train import checkpoint
from seqrdp.train.config import codec_config
from seqrdp.train.data import clip_source
from seqrdp.train.loop import decayed_lr, train, warm_start


def _mse(model, clips, head="mse"):
    with torch.no_grad():
        out = model(clips, heads=[head], seeds=list(range(len(clips))))["reconstructions"][head]
    return float(((out - clips) ** 2).mean())


def test_a_few_mse_steps_lower_the_mse_on_a_fixed_batch(tiny, tmp_path):
    # A fresh codec outputs near-black frames, the best constant for bouncing squares, so 40
    # steps of a tiny codec only start to place the square: a modest but clear gain.
    config = tiny(mse_steps=40, perception_steps=0, lr=1e-2, checkpoint_every=40)
    clips = clip_source(config).validation(8)
    torch.manual_seed(config["seed"])
    before = _mse(SequentialCodec(codec_config(config)).eval(), clips)
    model, meta = train(config, tmp_path / "run")
    after = _mse(model.eval(), clips)
    assert after < 0.95 * before
    # The metadata's validation numbers are the same quantity, per frame, on the validation
    # clips decoded with seeds 0..n-1.
    validation = clip_source(config).validation(config["validation"])
    with torch.no_grad():
        seeds = list(range(len(validation)))
        out = model(validation, heads=["mse"], seeds=seeds)["reconstructions"]["mse"]
    per_frame = ((out - validation) ** 2).mean(dim=(0, 2, 3, 4)).tolist()
    recorded = meta["metrics"]["validation"]
    assert recorded["clips"] == config["validation"] and len(per_frame) == 3
    assert recorded["mse"]["mse"] == pytest.approx(per_frame, rel=1e-5)
    # ... and so is its spread across clips (frames' variance over clips, relative to the data's).
    variance = [x.var(dim=0).sum(dim=(1, 2, 3)) for x in (out, validation)]
    assert recorded["spread"]["mse"] == pytest.approx(
        (variance[0] / variance[1]).tolist(), rel=1e-4
    )


def _tensors(run_dir):
    found = checkpoint.current(run_dir)
    return {**load_file(found / "model.safetensors"), **load_file(found / "state.safetensors")}


@pytest.mark.parametrize("mode", ["universal", "end-to-end"])
def test_killed_and_rerun_equals_uninterrupted(tiny, tmp_path, mode):
    config = tiny(mode, plf="jd" if mode == "end-to-end" else None)
    train(config, tmp_path / "whole")
    # Killed after 5 of 6 steps: the last checkpoint is step 4 (perception stage, optimiser
    # moments of decoder and critics saved); the rerun recomputes step 5 and finishes.
    _, partial = train(config, tmp_path / "resumed", stop_after=5)
    assert partial["steps"] == 4
    _, meta = train(config, tmp_path / "resumed")
    assert meta["steps"] == 6 and meta["complete"]
    whole, resumed = _tensors(tmp_path / "whole"), _tensors(tmp_path / "resumed")
    assert whole.keys() == resumed.keys()
    for key in whole:
        assert torch.equal(whole[key], resumed[key]), key


def test_log_keeps_one_row_per_step_after_a_resume(tiny, tmp_path):
    config = tiny()
    train(config, tmp_path / "run", stop_after=5)
    train(config, tmp_path / "run")
    with (tmp_path / "run" / "log.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["stage"] for r in rows] == ["mse"] * 3 + ["perception"] * 3
    assert rows[-1]["perception/jd"] != "" and rows[0]["perception/jd"] == ""


def test_universal_perception_stage_moves_only_the_heads(tiny, tmp_path):
    config = tiny(mse_steps=2, perception_steps=2, checkpoint_every=100)
    train(config, tmp_path / "run", stop_after=2)
    after_mse = load_file(tmp_path / "run" / "model.safetensors")
    train(config, tmp_path / "run")
    final = load_file(tmp_path / "run" / "model.safetensors")
    for key, value in final.items():
        changed = not torch.equal(value, after_mse[key])
        assert changed == key.startswith("heads."), key


def test_end_to_end_trains_the_encoder_with_its_plf(tiny, tmp_path):
    config = tiny("end-to-end", plf="fmd", mse_steps=1, perception_steps=2, checkpoint_every=100)
    train(config, tmp_path / "run", stop_after=1)
    afterwarm_start = load_file(tmp_path / "run" / "model.safetensors")
    model, meta = train(config, tmp_path / "run")
    assert meta["heads"] == ["mse", "fmd"] and meta["reference"] == "fmd"
    final = load_file(tmp_path / "run" / "model.safetensors")
    assert not torch.equal(final["iframe.encoder.project.weight"],
                           afterwarm_start["iframe.encoder.project.weight"])  # fmt: skip
    assert model.codec_config.reference == "fmd"


def test_same_seed_same_run_other_seed_other_run(tiny, tmp_path):
    config = tiny(mse_steps=2, perception_steps=0)
    train(config, tmp_path / "a")
    train(config, tmp_path / "b")
    train({**config, "seed": 1}, tmp_path / "c")
    a, b, c = (load_file(tmp_path / d / "model.safetensors") for d in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_resuming_with_other_settings_is_refused(tiny, tmp_path):
    config = tiny(mse_steps=2, perception_steps=0)
    train(config, tmp_path / "run")
    with pytest.raises(UsageError, match="iframe_bits"):
        train({**config, "iframe_bits": 8}, tmp_path / "run")


def test_a_finished_run_is_not_trained_again_and_can_be_extended(tiny, tmp_path):
    config = tiny(mse_steps=2, perception_steps=1)
    train(config, tmp_path / "run")
    before = load_file(tmp_path / "run" / "model.safetensors")
    _, meta = train(config, tmp_path / "run")
    assert meta["steps"] == 3
    assert all(torch.equal(v, load_file(tmp_path / "run" / "model.safetensors")[k])
               for k, v in before.items())  # fmt: skip
    _, meta = train({**config, "perception_steps": 2}, tmp_path / "run")
    assert meta["steps"] == 4 and meta["stages"]["perception"]["steps"] == 2


def test_run_directory_holds_the_documented_files(tiny, tmp_path):
    _, meta = train(tiny(mse_steps=1, perception_steps=1, tensorboard=True), tmp_path / "run")
    names = {p.name for p in (tmp_path / "run").iterdir()}
    assert names == {"latest", "ckpt-2", "model.safetensors", "model.json", "log.csv", "tb",
                     "samples.png"}  # fmt: skip
    inner = {p.name for p in (tmp_path / "run" / "ckpt-2").iterdir()}
    assert inner == {"model.safetensors", "state.safetensors", "model.json"}
    assert meta["frame_bits"] == [4, 64] and meta["rate_bits"] == [4, 64, 64]
    assert meta["data"]["kind"] == "squares"
    assert meta["torch"] == torch.__version__
    assert meta["training_seconds"] > 0
    model, loaded = load_codec(tmp_path / "run")
    assert loaded["steps"] == 2 and model.config == meta["codec"]


def test_initwarm_starts_the_core_and_adds_its_training_time(tiny, tmp_path):
    _, core_meta = train(tiny(mse_steps=3, perception_steps=0), tmp_path / "core")
    core = load_file(tmp_path / "core" / "model.safetensors")
    # An end-to-end fmd codec starts from that core (and the core run's untrained fmd head).
    config = tiny("end-to-end", plf="fmd", mse_steps=0, perception_steps=1,
                  init=str(tmp_path / "core"))  # fmt: skip
    model = SequentialCodec(codec_config(config))
    copied = warm_start(model, config["init"])
    assert copied["heads"] == ["fmd"] and copied["steps"] == 3
    own = model.state_dict()
    assert all(torch.equal(own[k], v) for k, v in core.items() if k in own)
    _, meta = train(config, tmp_path / "e2e")
    assert meta["init"]["name"] == "core"
    assert meta["total_training_seconds"] == pytest.approx(
        meta["training_seconds"] + core_meta["training_seconds"]
    )


def test_init_from_a_codec_of_another_width_is_refused(tiny, tmp_path):
    train(tiny(mse_steps=1, perception_steps=0), tmp_path / "core")
    config = tiny(width=4, init=str(tmp_path / "core"))
    with pytest.raises(UsageError, match="does not fit"):
        train(config, tmp_path / "other")


def test_init_from_other_rates_copies_all_but_the_latent_layers(tiny, tmp_path):
    train(tiny(mse_steps=1, perception_steps=0), tmp_path / "core")
    core = load_file(tmp_path / "core" / "model.safetensors")
    config = tiny(iframe_bits=8, init=str(tmp_path / "core"))
    model = SequentialCodec(codec_config(config))
    copied = warm_start(model, config["init"])
    own = model.state_dict()
    fresh = set(copied["fresh"])
    assert {"iframe.encoder.project.weight", "iframe.decoder.project.weight"} <= fresh
    assert not any(k.startswith("pframe.") for k in fresh)
    assert all(torch.equal(own[k], core[k]) for k in own if k not in fresh)
    # Another P-frame rate: only the residual latent's layers start fresh.
    config = tiny(pframe_bits=128, init=str(tmp_path / "core"))
    fresh = set(warm_start(SequentialCodec(codec_config(config)), config["init"])["fresh"])
    assert {k for k in fresh if not k.startswith("heads.")} == {
        "pframe.residual_encoder.project.weight", "pframe.residual_encoder.project.bias",
        "pframe.residual_decoder.project.weight",
    }  # fmt: skip


def test_a_run_saved_before_a_setting_existed_resumes_with_its_default(tiny, tmp_path):
    config = tiny(mse_steps=2, perception_steps=0)
    train(config, tmp_path / "run")
    meta_path = tmp_path / "run" / "model.json"
    meta = json.loads(meta_path.read_text())
    del meta["config"]["init"]  # as written by a version without --init
    meta_path.write_text(json.dumps(meta))
    _, meta = train({**config, "mse_steps": 3}, tmp_path / "run")
    assert meta["steps"] == 3


def test_decayed_lr_is_a_half_cosine_from_lr_to_lr_over_decay():
    assert decayed_lr(1e-3, 10, 0, 100) == pytest.approx(1e-3)
    assert decayed_lr(1e-3, 10, 50, 100) == pytest.approx((1e-3 + 1e-4) / 2)
    assert decayed_lr(1e-3, 10, 100, 100) == pytest.approx(1e-4)
    assert decayed_lr(1e-3, 1, 37, 100) == pytest.approx(1e-3)


def test_lr_decay_sets_the_mse_stage_learning_rate_per_step(tiny, tmp_path, monkeypatch):
    seen = []
    step = torch.optim.Adam.step

    def recording(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", recording)
    config = tiny(mse_steps=4, perception_steps=0, lr=1e-2, lr_decay=4.0, checkpoint_every=4)
    train(config, tmp_path / "run")
    assert seen == pytest.approx([decayed_lr(1e-2, 4.0, s, 4) for s in range(4)])
    assert seen[0] == pytest.approx(1e-2) and seen[-1] < 0.5e-2


def test_init_heads_assembles_heads_on_a_core_and_a_zero_step_run_saves_it(tiny, tmp_path):
    # A core; heads trained on it; a P-frame core trained from it with frame 1 frozen.
    patch = {"iframe_head": "patch", "size": 32}
    train(tiny(mse_steps=2, perception_steps=0, **patch), tmp_path / "core")
    core = str(tmp_path / "core")
    train(tiny(mse_steps=0, iframe_steps=2, perception_steps=2, init=core, **patch),
          tmp_path / "heads")  # fmt: skip
    train(tiny(mse_steps=2, perception_steps=0, freeze_iframe=True, init=core, **patch),
          tmp_path / "core2")  # fmt: skip
    heads = load_file(tmp_path / "heads" / "model.safetensors")
    core2 = load_file(tmp_path / "core2" / "model.safetensors")
    assert all(torch.equal(core2[k], v) for k, v in heads.items() if k.startswith("iframe."))
    assert not torch.equal(core2["pframe.residual_decoder.project.weight"],
                           heads["pframe.residual_decoder.project.weight"])  # fmt: skip
    config = tiny(mse_steps=0, perception_steps=0, init=str(tmp_path / "core2"),
                  init_heads=[str(tmp_path / "heads")], **patch)  # fmt: skip
    _, meta = train(config, tmp_path / "both")
    both = load_file(tmp_path / "both" / "model.safetensors")
    for key, value in both.items():
        expected = heads[key] if key.startswith(("heads.", "iframe_generator.")) else core2[key]
        assert torch.equal(value, expected), key
    assert meta["steps"] == 0 and meta["complete"]
    assert meta["init"]["heads_init"][0]["name"] == "heads"
    load_codec(tmp_path / "both")  # a loadable codec


def test_init_heads_from_a_core_that_codes_frame_1_otherwise_is_refused(tiny, tmp_path):
    train(tiny(mse_steps=2, perception_steps=0), tmp_path / "a")
    train(tiny(mse_steps=2, perception_steps=0, seed=1), tmp_path / "b")
    config = tiny(mse_steps=0, perception_steps=0, init=str(tmp_path / "a"),
                  init_heads=[str(tmp_path / "b")])  # fmt: skip
    with pytest.raises(UsageError, match="frame-1 core differs"):
        train(config, tmp_path / "both")


def test_init_leaves_a_heads_decoder_fresh_where_history_base_changes_its_meaning(tiny, tmp_path):
    train(tiny(mse_steps=1, perception_steps=0), tmp_path / "core")
    config = tiny(history_base=["jd"], init=str(tmp_path / "core"))
    fresh = set(warm_start(SequentialCodec(codec_config(config)), config["init"])["fresh"])
    # jd's P-frame decoder corrected the MMSE frame there and corrects its past output here.
    assert fresh and all(k.startswith("heads.jd.pframe.") for k in fresh)
    assert "heads.jd.pframe.out.weight" in fresh


def test_lambda_diversity_adds_the_mode_seeking_term_to_the_frame_1_stage(tiny, tmp_path):
    patch = {"iframe_head": "patch", "size": 32, "mse_steps": 0, "iframe_steps": 2,
             "perception_steps": 0}  # fmt: skip
    train(tiny(**patch), tmp_path / "plain")
    train(tiny(lambda_diversity=1.0, **patch), tmp_path / "seeking")
    with open(tmp_path / "seeking" / "log.csv") as f:
        rows = list(csv.DictReader(f))
    # The generator starts near black (its last layer shrunk), so its output hardly moves with
    # the noise: the mean output gap is far below the noise gap and 1 / (ratio + 1e-5) > 1.
    assert len(rows) == 2 and all(float(row["diversity"]) > 1 for row in rows)
    plain = load_file(tmp_path / "plain" / "model.safetensors")
    seeking = load_file(tmp_path / "seeking" / "model.safetensors")
    generator = [k for k in plain if k.startswith("iframe_generator.")]
    assert generator and any(not torch.equal(plain[k], seeking[k]) for k in generator)
    # Only the frame-1 generator moves in the frame-1 stage, with or without the term.
    assert all(torch.equal(plain[k], seeking[k]) for k in plain if k.startswith("pframe."))


def test_lambda_info_trains_a_code_network_beside_the_critics_and_resumes_exactly(tiny, tmp_path):
    config = tiny(iframe_head="patch", size=32, iframe_categories=3, lambda_info=1.0,
                  mse_steps=0, iframe_steps=4, perception_steps=0)  # fmt: skip
    train(config, tmp_path / "whole")
    with open(tmp_path / "whole" / "log.csv") as f:
        rows = list(csv.DictReader(f))
    # Both sides log the cross-entropy of the code: near log 3 while nothing tells them apart.
    for key in ("info", "info/critic"):
        assert all(0 < float(row[key]) < 3 * math.log(3) for row in rows), key
    state = load_file(checkpoint.current(tmp_path / "whole") / "state.safetensors")
    assert state["critics.info.score.weight"].shape[0] == 3  # one logit per value
    # The code network's weights and moments are in the checkpoint: a rerun resumes exactly.
    train(config, tmp_path / "resumed", stop_after=3)
    train(config, tmp_path / "resumed")
    whole, resumed = _tensors(tmp_path / "whole"), _tensors(tmp_path / "resumed")
    assert whole.keys() == resumed.keys()
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)
    with pytest.raises(UsageError, match="iframe_categories"):
        tiny(lambda_info=1.0)


def test_critic_align_gives_history_critics_the_moved_past(tiny, tmp_path):
    train(tiny(critic_align=True), tmp_path / "run")
    state = load_file(checkpoint.current(tmp_path / "run") / "state.safetensors")
    first = {k: v for k, v in state.items() if k.endswith("features.0.weight")}
    # Input channels of each critic's first layer: fmd 1; jd and sa 2t − 1 at frame t.
    for plf, expected in (("fmd", [1, 1, 1]), ("jd", [1, 3, 5]), ("sa", [1, 3, 5])):
        seen = [next(v for k, v in first.items() if f"{plf}_{t}." in k).shape[1] for t in (1, 2, 3)]
        assert seen == expected, plf


def test_critic_minibatch_std_widens_the_critics_score_layer(tiny, tmp_path):
    train(tiny(critic_minibatch_std=2), tmp_path / "run")
    state = load_file(checkpoint.current(tmp_path / "run") / "state.safetensors")
    plain = tiny()
    train(plain, tmp_path / "plain")
    base = load_file(checkpoint.current(tmp_path / "plain") / "state.safetensors")
    key = next(k for k in state if k.endswith("score.weight") and "critic" in k)
    # One more feature map at the critic's 1×1 bottom (16×16 frames).
    assert state[key].shape[1] == base[key].shape[1] + 1
    with pytest.raises(UsageError, match="divide the batch"):
        train(tiny(critic_minibatch_std=3), tmp_path / "bad")


def test_critic_warmup_moves_the_critics_and_not_the_heads(tiny, tmp_path):
    config = tiny(mse_steps=2, perception_steps=3, critic_warmup=2, checkpoint_every=1)
    train(config, tmp_path / "run", stop_after=2)
    after_mse = load_file(tmp_path / "run" / "model.safetensors")
    critics_before = load_file(checkpoint.current(tmp_path / "run") / "state.safetensors")
    train(config, tmp_path / "run", stop_after=2)  # the two warm-up steps
    warmed = load_file(tmp_path / "run" / "model.safetensors")
    critics = load_file(checkpoint.current(tmp_path / "run") / "state.safetensors")
    assert all(torch.equal(value, after_mse[key]) for key, value in warmed.items())
    names = [k for k in critics if k.startswith("critics.")]
    assert names and any(not torch.equal(critics[k], critics_before[k]) for k in names)
    train(config, tmp_path / "run")  # the third step moves the heads
    final = load_file(tmp_path / "run" / "model.safetensors")
    assert any(not torch.equal(v, after_mse[k]) for k, v in final.items() if k.startswith("heads."))
