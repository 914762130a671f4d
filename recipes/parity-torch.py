#!/usr/bin/env python3
"""Checks that Tessera computes and learns exactly like a PyTorch reference.

Run through recipes/parity.sh, which builds `parity-dump` (Sources/parity-dump), makes the
venv (recipes/torch-venv.sh) and calls the subcommands below in order. Python is used only
for this comparison; Tessera never needs it.

The reference is written here from the fairseq definitions, not imported from fairseq:
pre-norm encoder-decoder Transformer (--encoder-normalize-before --decoder-normalize-before
--share-all-embeddings), embeddings scaled by sqrt(d), sinusoidal positions with Tessera's
convention (sin on the first half of the channels, cos on the second, frequencies
10000^(-i/(d/2-1)) as fairseq's SinusoidalPositionalEmbedding, but positions counted from 0
and padding positions not zeroed, see Sources/TesseraModels/SinusoidalPositions.swift and
docs/checkpoint-format.md), final LayerNorm on encoder and decoder, output projection tied to
the embedding, and fairseq's label_smoothed_nll_loss (target weight 1-eps, every other class
eps/(V-1), padding ignored), summed, with gradients of sum/target-tokens.

Subcommands:
  batch DIR            compares DIR/batch.safetensors (Tessera's logits, loss and gradients on
                       one batch from DIR/init.safetensors) with PyTorch in float32 and float64
  fairseq-init INIT OUT --seed N
                       writes fairseq's initialization of INIT's architecture to OUT
  perturb INIT OUT     moves every weight of INIT by one float32 ulp: Tessera trained from OUT
                       gives the drift rounding noise alone causes, the yardstick for training
  train ...            replays the batches Tessera trained on with torch.optim.Adam (and the
                       same warmup, inverse-sqrt schedule and clipping) and prints the loss
                       curves side by side (see train --help)
Relative differences are max|a-b| / max|b| over a tensor (b the reference), unless named otherwise.
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file

torch.set_num_threads(2)  # the machine has 2 cores, shared with other work


# ----------------------------------------------------------------------------- the model

class Config:
    def __init__(self, meta_json):
        c = json.loads(meta_json)
        self.vocab = c["vocab_size"]
        self.d = c["embed_dim"]
        self.heads = c["attention_heads"]
        self.ffn = c["ffn_embed_dim"]
        self.encoder_layers = c["encoder_layers"]
        self.decoder_layers = c["decoder_layers"]
        self.max_positions = c["max_positions"]
        self.pad = c["pad_id"]
        self.activation = c.get("activation_fn", "relu")
        for key in ("dropout", "attention_dropout", "activation_dropout"):
            if c.get(key, 0) != 0:
                sys.exit(f"parity-torch: {key} is {c[key]}; the check runs with dropout off")
        if c.get("ffn_kind", "dense") != "dense":
            sys.exit("parity-torch: only the dense Transformer is implemented here")


def parameter_shapes(cfg):
    """Every parameter's fairseq name and shape, in Tessera's order (Transformer.parameters)."""
    d, f = cfg.d, cfg.ffn
    shapes = [("encoder.embed_tokens.weight", (cfg.vocab, d))]

    def attention(prefix):
        for p in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes.extend([(f"{prefix}.{p}.weight", (d, d)), (f"{prefix}.{p}.bias", (d,))])

    def norm(prefix):
        shapes.extend([(f"{prefix}.weight", (d,)), (f"{prefix}.bias", (d,))])

    def ffn(prefix):
        shapes.extend([(f"{prefix}.fc1.weight", (f, d)), (f"{prefix}.fc1.bias", (f,)),
                       (f"{prefix}.fc2.weight", (d, f)), (f"{prefix}.fc2.bias", (d,))])

    for i in range(cfg.encoder_layers):
        layer = f"encoder.layers.{i}"
        attention(layer + ".self_attn"); norm(layer + ".self_attn_layer_norm"); ffn(layer); norm(layer + ".final_layer_norm")
    norm("encoder.layer_norm")
    for i in range(cfg.decoder_layers):
        layer = f"decoder.layers.{i}"
        attention(layer + ".self_attn"); norm(layer + ".self_attn_layer_norm")
        attention(layer + ".encoder_attn"); norm(layer + ".encoder_attn_layer_norm")
        ffn(layer); norm(layer + ".final_layer_norm")
    norm("decoder.layer_norm")
    return shapes


def positions(cfg, length, dtype):
    """Tessera's sinusoidal table rows 0..length-1, computed in float64."""
    half = cfg.d // 2
    step = math.log(10000.0) / max(half - 1, 1)
    freqs = torch.exp(torch.arange(half, dtype=torch.float64) * -step)
    angles = torch.arange(length, dtype=torch.float64)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1).to(dtype)


class Transformer:
    """Functional pre-norm Transformer over a dict of fairseq-named parameters."""

    def __init__(self, cfg, params):
        self.cfg, self.P = cfg, params

    def linear(self, x, name):
        return F.linear(x, self.P[name + ".weight"], self.P[name + ".bias"])

    def norm(self, x, name):
        return F.layer_norm(x, (self.cfg.d,), self.P[name + ".weight"], self.P[name + ".bias"], eps=1e-5)

    def attention(self, x, memory, name, key_padding=None, causal=False):
        # fairseq's MultiheadAttention: q scaled by head_dim^-0.5, -inf on masked keys, softmax.
        B, T, d = x.shape
        S, H = memory.shape[1], self.cfg.heads
        dh = d // H
        q = (self.linear(x, name + ".q_proj") * dh ** -0.5).view(B, T, H, dh).transpose(1, 2)
        k = self.linear(memory, name + ".k_proj").view(B, S, H, dh).transpose(1, 2)
        v = self.linear(memory, name + ".v_proj").view(B, S, H, dh).transpose(1, 2)
        scores = q @ k.transpose(-1, -2)  # B, H, T, S
        if causal:
            future = torch.triu(torch.ones(T, S, dtype=torch.bool), diagonal=1)
            scores = scores.masked_fill(future, float("-inf"))
        if key_padding is not None:
            scores = scores.masked_fill(key_padding[:, None, None, :], float("-inf"))
        out = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, T, d)
        return self.linear(out, name + ".out_proj")

    def feed_forward(self, x, layer):
        h = self.linear(x, layer + ".fc1")
        h = F.relu(h) if self.cfg.activation == "relu" else F.gelu(h)
        return self.linear(h, layer + ".fc2")

    def embed(self, ids):
        E = self.P["encoder.embed_tokens.weight"]
        x = F.embedding(ids, E, padding_idx=self.cfg.pad) * math.sqrt(self.cfg.d)
        return x + positions(self.cfg, ids.shape[1], E.dtype)[None]

    def logits(self, source, decoder_input):
        pad = source.eq(self.cfg.pad)
        x = self.embed(source)
        for i in range(self.cfg.encoder_layers):
            layer = f"encoder.layers.{i}"
            h = self.norm(x, layer + ".self_attn_layer_norm")
            x = x + self.attention(h, h, layer + ".self_attn", key_padding=pad)
            x = x + self.feed_forward(self.norm(x, layer + ".final_layer_norm"), layer)
        memory = self.norm(x, "encoder.layer_norm")
        y = self.embed(decoder_input)
        for i in range(self.cfg.decoder_layers):
            layer = f"decoder.layers.{i}"
            h = self.norm(y, layer + ".self_attn_layer_norm")
            y = y + self.attention(h, h, layer + ".self_attn", causal=True)
            y = y + self.attention(self.norm(y, layer + ".encoder_attn_layer_norm"), memory, layer + ".encoder_attn",
                                   key_padding=pad)
            y = y + self.feed_forward(self.norm(y, layer + ".final_layer_norm"), layer)
        y = self.norm(y, "decoder.layer_norm")
        return F.linear(y.reshape(-1, self.cfg.d), self.P["encoder.embed_tokens.weight"])  # [B*T, V]

    def loss(self, logits, target, smoothing):
        """fairseq's label_smoothed_nll_loss, summed over non-padding targets: (loss, nll, tokens)."""
        lprobs = torch.log_softmax(logits, dim=-1)
        target = target.reshape(-1)
        keep = target.ne(self.cfg.pad)
        lprobs, target = lprobs[keep], target[keep]
        nll = -lprobs.gather(1, target[:, None]).squeeze(1)
        smooth = -lprobs.sum(dim=-1)
        eps_i = smoothing / (lprobs.shape[-1] - 1)
        loss = (1.0 - smoothing - eps_i) * nll + eps_i * smooth
        return loss.sum(), nll.sum(), int(keep.sum())


def load_weights(path, cfg, dtype=torch.float32):
    tensors = load_file(path)
    params = {}
    for name, shape in parameter_shapes(cfg):
        t = tensors[name]
        assert tuple(t.shape) == shape, f"{name}: {tuple(t.shape)} vs {shape}"
        params[name] = t.to(dtype).clone().requires_grad_(True)
    return params


def metadata(path):
    with safe_open(path, "pt") as f:
        return f.metadata() or {}


def rel(a, b):
    """max|a-b| / max|b| (b the reference)."""
    a, b = a.double(), b.double()
    scale = b.abs().max().item()
    return (a - b).abs().max().item() / scale if scale > 0 else (a - b).abs().max().item()


def rel_l2(a, b):
    a, b = a.double(), b.double()
    n = b.norm().item()
    return (a - b).norm().item() / n if n > 0 else (a - b).norm().item()


# ----------------------------------------------------------------------------- one batch

def one_batch(args):
    batch_path, init_path = args.dir + "/batch.safetensors", args.dir + "/init.safetensors"
    meta = metadata(batch_path)
    cfg = Config(metadata(init_path)["model_config"])
    dump = load_file(batch_path)
    source, decoder_input, target = (dump[k].long() for k in ("source", "input", "target"))
    smoothing = float(meta["label_smoothing"])
    tessera_loss, tessera_tokens = float(meta["loss"]), int(meta["tokens"])
    print(f"one batch: {meta['direction']}, {source.shape[0]} rows, source length {source.shape[1]}, "
          f"target length {target.shape[1]}, {tessera_tokens} target tokens; label smoothing {smoothing}; dropout off")

    results = {}
    for dtype in (torch.float32, torch.float64):
        params = load_weights(init_path, cfg, dtype)
        model = Transformer(cfg, params)
        started = time.time()
        logits = model.logits(source, decoder_input)
        loss, nll, tokens = model.loss(logits, target, smoothing)
        (loss / tokens).backward()
        assert tokens == tessera_tokens, f"{tokens} target tokens here, {tessera_tokens} in Tessera"
        results[dtype] = dict(loss=loss.item(), logits=logits.detach(), grads={n: p.grad for n, p in params.items()},
                              seconds=time.time() - started)

    ref32, ref64 = results[torch.float32], results[torch.float64]
    print(f"  loss (sum over target tokens): Tessera {tessera_loss:.6f}, PyTorch f32 {ref32['loss']:.6f}, "
          f"f64 {ref64['loss']:.6f}; per token {tessera_loss / tessera_tokens:.6f}")
    rows = []

    def compare(label, tessera, torch32, torch64):
        return (label, rel(tessera, torch32), rel(tessera, torch64), rel(torch32, torch64))

    rows.append(("loss", abs(tessera_loss - ref32["loss"]) / abs(ref32["loss"]),
                 abs(tessera_loss - ref64["loss"]) / abs(ref64["loss"]), abs(ref32["loss"] - ref64["loss"]) / abs(ref64["loss"])))
    rows.append(compare("logits", dump["logits"], ref32["logits"], ref64["logits"]))
    # Tensors whose exact gradient is zero (k_proj biases: softmax ignores a shift common to all
    # keys) hold only rounding noise on every side, so a relative measure means nothing there;
    # they are found from the float64 reference and reported in absolute terms instead.
    largest = max(g.abs().max().item() for g in ref64["grads"].values())
    zero = [n for n, _ in parameter_shapes(cfg) if ref64["grads"][n].abs().max().item() < 1e-7 * largest]
    grad_rows = []
    for name, _ in parameter_shapes(cfg):
        if name in zero:
            continue
        t = dump["grad." + name]
        grad_rows.append((name, rel(t, ref32["grads"][name]), rel(t, ref64["grads"][name]),
                          rel(ref32["grads"][name], ref64["grads"][name]), rel_l2(t, ref32["grads"][name])))
    worst = max(grad_rows, key=lambda r: r[1])
    worst64 = max(grad_rows, key=lambda r: r[2])
    worst_torch = max(grad_rows, key=lambda r: r[3])
    print("  relative difference max|a-b|/max|b| per tensor (loss: |a-b|/|b|):")
    print(f"  {'quantity':<28} {'Tessera vs torch f32':>21} {'Tessera vs f64':>15} {'torch f32 vs f64':>17}")
    for label, a, b, c in rows:
        print(f"  {label:<28} {a:>21.2e} {b:>15.2e} {c:>17.2e}")
    print(f"  {'gradients, worst tensor':<28} {worst[1]:>21.2e} {worst64[2]:>15.2e} {worst_torch[3]:>17.2e}")
    print(f"    worst vs torch f32: {worst[0]}; vs f64: {worst64[0]}; torch f32 vs f64: {worst_torch[0]}")
    median = sorted(r[1] for r in grad_rows)[len(grad_rows) // 2]
    print(f"    median over {len(grad_rows)} gradient tensors (Tessera vs torch f32): {median:.2e}; "
          f"worst relative L2 ||a-b||/||b||: {max(r[4] for r in grad_rows):.2e} "
          f"({max(grad_rows, key=lambda r: r[4])[0]})")
    if zero:
        def biggest(grads):
            return max(grads[n].abs().max().item() for n in zero)
        print(f"    {len(zero)} tensors with an exactly zero gradient ({', '.join(sorted({n.split('.', 3)[-1] for n in zero}))}, "
              f"e.g. {zero[0]}) left out: their largest |gradient| is Tessera {biggest({n: dump['grad.' + n] for n in zero}):.1e}, "
              f"torch f32 {biggest(ref32['grads']):.1e}, f64 {biggest(ref64['grads']):.1e}, "
              f"against {largest:.1e} for the largest gradient entry of the model")
    if args.all:
        for r in grad_rows:
            print(f"    {r[0]:<48} {r[1]:.2e} {r[2]:.2e} {r[3]:.2e}")
    print(f"  (PyTorch f32 forward+backward took {ref32['seconds']:.1f} s)")
    failed = rows[0][1] > 1e-4 or rows[1][1] > 1e-4 or worst[1] > 1e-2
    print("  one batch: " + ("NOT at float32 noise level" if failed else
                             "at float32 noise level (limits: 1e-4 for loss and logits, 1e-2 for gradients)"))
    return 1 if failed else 0


# ----------------------------------------------------------------------------- initialization

def fairseq_init(args):
    """fairseq's `transformer` initialization (no init_bert_params), drawn with torch's RNG:
    embeddings N(0, d^-0.5) with a zero padding row (models/transformer Embedding helper);
    MultiheadAttention.reset_parameters: q/k/v xavier_uniform with gain 1/sqrt(2) (qkv_same_dim,
    true for encoder_attn too as kdim = vdim = d), their biases left at nn.Linear's default,
    out_proj xavier_uniform with zero bias; fc1/fc2 plain nn.Linear (kaiming_uniform a=sqrt(5),
    i.e. U(+-1/sqrt(fan_in)) for weight and bias: modules/transformer_layer.py build_fc1/fc2);
    LayerNorm weight 1, bias 0."""
    cfg = Config(metadata(args.init)["model_config"])
    torch.manual_seed(args.seed)
    out = {}
    for name, shape in parameter_shapes(cfg):
        if name == "encoder.embed_tokens.weight":
            w = torch.empty(shape)
            torch.nn.init.normal_(w, mean=0, std=cfg.d ** -0.5)
            w[cfg.pad].zero_()
            out[name] = w
        elif name.endswith("_proj.weight"):
            prefix = name[: -len(".weight")]
            linear = torch.nn.Linear(shape[1], shape[0])
            gain = 1.0 if prefix.endswith("out_proj") else 1 / math.sqrt(2)
            torch.nn.init.xavier_uniform_(linear.weight, gain=gain)
            if prefix.endswith("out_proj"):
                torch.nn.init.constant_(linear.bias, 0.0)
            out[name], out[prefix + ".bias"] = linear.weight.detach().clone(), linear.bias.detach().clone()
        elif name.endswith((".fc1.weight", ".fc2.weight")):
            prefix = name[: -len(".weight")]
            linear = torch.nn.Linear(shape[1], shape[0])
            out[name], out[prefix + ".bias"] = linear.weight.detach().clone(), linear.bias.detach().clone()
        elif name.endswith(".bias") and name[: -len(".bias")] + ".weight" in out and "norm" not in name:
            continue  # drawn with its weight
        elif "norm" in name:
            out[name] = torch.ones(shape) if name.endswith(".weight") else torch.zeros(shape)
    assert set(out) == {n for n, _ in parameter_shapes(cfg)}
    save_file({k: v.contiguous() for k, v in out.items()}, args.out, metadata={"init": f"fairseq, torch seed {args.seed}"})
    tessera = load_file(args.init)
    print(f"fairseq init (torch seed {args.seed}) written to {args.out}; std of weights, Tessera init vs fairseq init:")
    for name in ("encoder.embed_tokens.weight", "encoder.layers.0.self_attn.q_proj.weight",
                 "encoder.layers.0.self_attn.q_proj.bias", "encoder.layers.0.self_attn.out_proj.weight",
                 "encoder.layers.0.fc1.weight", "encoder.layers.0.fc1.bias", "encoder.layers.0.fc2.weight",
                 "encoder.layers.0.fc2.bias"):
        print(f"  {name:<44} {tessera[name].std().item():.5f}  {out[name].std().item():.5f}")
    return 0


def perturb(args):
    """Moves every nonzero weight of INIT one float32 ulp up or down (random signs, torch seed), so
    a Tessera run from OUT shows how much the training dynamics amplify rounding-sized noise: the
    floor against which the Tessera-PyTorch drift is judged."""
    tensors = load_file(args.init)
    generator = torch.Generator().manual_seed(args.seed)
    out = {}
    for name, t in tensors.items():
        if t.dtype != torch.float32:
            continue
        up = torch.rand(t.shape, generator=generator) < 0.5
        target = torch.where(up, torch.full_like(t, math.inf), torch.full_like(t, -math.inf))
        out[name] = torch.where(t != 0, torch.nextafter(t, target), t).contiguous()
    save_file(out, args.out, metadata={"init": f"{args.init}, every nonzero weight moved by one ulp (seed {args.seed})"})
    print(f"wrote {args.out}: {args.init} with every nonzero weight moved by one float32 ulp")
    return 0


# ----------------------------------------------------------------------------- training

def tessera_learning_rate(adam, step):
    """fairseq's inverse_sqrt or polynomial_decay after a linear warmup from warmup_init_lr, as
    Tessera indexes it: update k (from 1) uses lr(k) (fairseq's own trainer uses lr(k-1))."""
    warmup, peak, start = adam["warmupSteps"], adam["learningRate"], adam["warmupInitLearningRate"]
    if step <= warmup:
        return start + (peak - start) * step / max(warmup, 1)
    polynomial = adam.get("decay", {}).get("polynomial")
    if polynomial is None:
        return peak * math.sqrt(max(warmup, 1) / step)
    end, span = polynomial["endLearningRate"], max(polynomial["totalUpdates"] - warmup, 1)
    return (peak - end) * max(0.0, 1 - (step - warmup) / span) ** polynomial["power"] + end


def replay(dump_path, init_path, cfg, label):
    """Trains from init_path on the batches in dump_path with torch.optim.Adam; per-update losses."""
    meta = metadata(dump_path)
    batches = load_file(dump_path)
    adam = json.loads(meta["adam"])
    smoothing = json.loads(meta["optimization"])["label_smoothing"]
    updates = int(meta["updates"])
    params = load_weights(init_path, cfg)
    model = Transformer(cfg, params)
    ordered = [params[n] for n, _ in parameter_shapes(cfg)]
    options = dict(lr=adam["learningRate"], betas=(adam["beta1"], adam["beta2"]), eps=adam["epsilon"])
    optimizer = (torch.optim.AdamW(ordered, weight_decay=adam["weightDecay"], **options) if adam["weightDecay"] > 0
                 else torch.optim.Adam(ordered, weight_decay=0, **options))
    clip = adam.get("clipNorm")
    tessera_rates = json.loads(meta["learning_rate"])
    losses, tokens, norms = [], [], []
    started = time.time()
    for k in range(1, updates + 1):
        source, decoder_input, target = (batches[f"update.{k}.{p}"].long() for p in ("source", "input", "target"))
        loss, _, n = model.loss(model.logits(source, decoder_input), target, smoothing)
        (loss / n).backward()
        norm = (torch.nn.utils.clip_grad_norm_(ordered, clip) if clip else
                torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in ordered])))
        lr = tessera_learning_rate(adam, k)
        assert abs(lr - tessera_rates[k - 1]) <= 1e-6 * lr, f"update {k}: lr {lr} here, {tessera_rates[k - 1]} in Tessera"
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item()); tokens.append(n); norms.append(float(norm))
        if k % 25 == 0:
            print(f"  [{label}] update {k}: {(time.time() - started) / k:.2f} s/update", file=sys.stderr, flush=True)
    return dict(loss=losses, tokens=tokens, norm=norms, params={n: p.detach() for n, p in params.items()},
                seconds=(time.time() - started) / updates)


def windows(losses, tokens, width=25):
    out = []
    for start in range(0, len(losses), width):
        end = min(start + width, len(losses))
        out.append((end, sum(losses[start:end]) / sum(tokens[start:end])))
    return out


def curve_table(title, left_label, left, right_label, right, noise=None, limit=None):
    """Window means side by side. With `noise` (the curve of a run from weights one ulp away from
    `left`'s), also prints left-vs-noise, the drift rounding alone causes, and returns how many
    windows differ by more than `limit`: max(1e-4, 10 x the largest noise drift so far)."""
    print(title)
    extra = f" {'1-ulp run':>10} {'limit':>9}" if noise else ""
    print(f"  {'updates':>9} {left_label:>16} {right_label:>16} {'rel. diff':>10}" + extra)
    failures, floor = 0, 0.0
    noise_windows = windows(*noise) if noise else None
    for i, ((end, a), (_, b)) in enumerate(zip(windows(*left), windows(*right))):
        d = abs(a - b) / abs(b)
        line = f"  {(end - 1) // 25 * 25 + 1:>4}-{end:<4} {a:>16.5f} {b:>16.5f} {d:>10.2e}"
        if noise:
            n = abs(a - noise_windows[i][1]) / abs(noise_windows[i][1])
            floor = max(floor, n)
            window_limit = max(limit, 10 * floor)
            failures += d > window_limit
            line += f" {n:>10.2e} {window_limit:>9.1e}" + ("  OUT" if d > window_limit else "")
        print(line)
    return failures


def train(args):
    tessera = metadata(args.tessera)
    cfg = Config(tessera["model_config"])
    t_loss, t_tokens = json.loads(tessera["loss"]), json.loads(tessera["tokens"])
    t_norms = json.loads(tessera["gradient_norm"])
    updates = len(t_loss)
    print(f"training: {updates} updates, dropout off, batches exported from Tessera's sampler; "
          f"mean per-token label-smoothed loss over each window of 25 updates")
    noise = None
    if args.noise:
        n = metadata(args.noise)
        noise = (json.loads(n["loss"]), json.loads(n["tokens"]))
        assert noise[1] == t_tokens, "the 1-ulp run saw other batches"
    same = replay(args.tessera, args.init, cfg, "PyTorch, Tessera init")
    assert same["tokens"] == t_tokens
    saved = {"tessera": {"loss": t_loss, "tokens": t_tokens, "gradient_norm": t_norms},
             "pytorch": {k: same[k] for k in ("loss", "tokens", "norm")}}
    status = 0
    failures = curve_table(f"\n(1) same initial weights (Tessera's init), Tessera vs PyTorch "
                           f"(PyTorch {same['seconds']:.2f} s/update, Tessera {sum(json.loads(tessera['seconds'])) / updates:.2f} s/update)"
                           + ("; '1-ulp run': Tessera vs Tessera from the same weights moved by one ulp" if noise else ""),
                           "Tessera", (t_loss, t_tokens), "PyTorch", (same["loss"], same["tokens"]),
                           noise=noise, limit=args.curve_limit)
    per_update = [abs(a - b) / abs(b) for a, b in zip(t_loss, same["loss"])]
    norm_diff = [abs(a - b) / b for a, b in zip(t_norms, same["norm"])]
    print(f"  per-update loss relative difference: update 1 {per_update[0]:.1e}, worst in 1-50 "
          f"{max(per_update[:50]):.1e}, worst in the last 50 {max(per_update[-50:]):.1e}; "
          f"gradient norm before clipping: worst in 1-50 {max(norm_diff[:50]):.1e}, overall {max(norm_diff):.1e} "
          f"(update {norm_diff.index(max(norm_diff)) + 1})")
    if noise:
        drift = [abs(a - b) / abs(b) for a, b in zip(t_loss, noise[0])]
        print(f"  the 1-ulp run, per update: worst in 1-50 {max(drift[:50]):.1e}, worst in the last 50 {max(drift[-50:]):.1e}")
    if args.tessera_final:
        # k_proj biases are left out: their exact gradient is zero (see one_batch), so both sides
        # move them only by rounding noise, and they do not change the model's output.
        final = load_file(args.tessera_final)
        names = [n for n, _ in parameter_shapes(cfg) if not n.endswith("k_proj.bias")]
        diffs = sorted(((rel(final[n], same["params"][n]), n) for n in names), reverse=True)
        print(f"  weights after {updates} updates: worst {diffs[0][0]:.1e} ({diffs[0][1]}), "
              f"median {diffs[len(diffs) // 2][0]:.1e} over {len(diffs)} tensors (k_proj biases left out: "
              f"largest |value| Tessera {max(final[n].abs().max().item() for n, _ in parameter_shapes(cfg) if n.endswith('k_proj.bias')):.1e})")
        if args.noise_final:
            other = load_file(args.noise_final)
            diffs = sorted(((rel(final[n], other[n]), n) for n in names), reverse=True)
            print(f"  the same for Tessera vs the 1-ulp run: worst {diffs[0][0]:.1e} ({diffs[0][1]}), "
                  f"median {diffs[len(diffs) // 2][0]:.1e}")
    if failures:
        print(f"  {failures} windows NOT within the limit")
        status = 1

    if args.fairseq_init:
        fairseq = replay(args.tessera, args.fairseq_init, cfg, "PyTorch, fairseq init")
        saved["pytorch_fairseq_init"] = {k: fairseq[k] for k in ("loss", "tokens", "norm")}
        curve_table("\n(2) Tessera's init vs fairseq's init, both trained in PyTorch on the same batches",
                    "Tessera init", (same["loss"], same["tokens"]), "fairseq init", (fairseq["loss"], fairseq["tokens"]))
        if args.tessera_fairseq:
            tf = metadata(args.tessera_fairseq)
            tf_loss, tf_tokens = json.loads(tf["loss"]), json.loads(tf["tokens"])
            assert tf_tokens == t_tokens, "the two Tessera runs saw different batches"
            curve_table("\n(3) Tessera's init vs fairseq's init, both trained in Tessera on the same batches",
                        "Tessera init", (t_loss, t_tokens), "fairseq init", (tf_loss, tf_tokens))
            saved["tessera_fairseq_init"] = {"loss": tf_loss, "tokens": tf_tokens}
            curve_table("\n(4) fairseq's init, Tessera vs PyTorch (a second parity run; its noise floor is not measured)",
                        "Tessera", (tf_loss, tf_tokens), "PyTorch", (fairseq["loss"], fairseq["tokens"]))
    if args.save:
        with open(args.save, "w") as f:
            json.dump(saved, f)
    return status


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("batch", help="one-batch logits, loss and gradients")
    p.add_argument("dir")
    p.add_argument("--all", action="store_true", help="print every gradient tensor's differences")
    p = sub.add_parser("fairseq-init", help="write fairseq's initialization")
    p.add_argument("init", help="a Tessera model file of the architecture")
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("perturb", help="move every weight one ulp (noise-floor run)")
    p.add_argument("init")
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("train", help="replay Tessera's training batches in PyTorch")
    p.add_argument("--tessera", required=True, help="parity-dump train output from Tessera's init")
    p.add_argument("--init", required=True, help="Tessera's initial weights")
    p.add_argument("--tessera-final", help="Tessera's weights after the last update")
    p.add_argument("--fairseq-init", help="fairseq-init output, to train PyTorch from")
    p.add_argument("--tessera-fairseq", help="parity-dump train output from --fairseq-init")
    p.add_argument("--noise", help="parity-dump train output from --init moved by one ulp (see perturb)")
    p.add_argument("--curve-limit", type=float, default=1e-4,
                   help="with --noise: smallest limit on the relative difference of window means (default 1e-4); "
                        "the limit is the larger of this and 10x the 1-ulp run's largest drift so far")
    p.add_argument("--noise-final", help="the 1-ulp run's weights after the last update")
    p.add_argument("--save", help="write every per-update loss and gradient norm to this JSON file")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads (shared machine)")
    sys.exit({"batch": one_batch, "fairseq-init": fairseq_init, "perturb": perturb, "train": train}[args.command](args))


if __name__ == "__main__":
    main()
