#!/usr/bin/python3
"""Exports the transformer and CNN test models of model/onnx (testdata/real).

Well-known architectures, written here in PyTorch the way their reference
implementations write them (the Hugging Face BERT and GPT-2 modules, the
torchvision ResNet BasicBlock), at small sizes, with random weights from a
fixed generator (no trained weights of these architectures are packaged in
Debian). torch.onnx.export writes the ONNX files, exactly as a project that
ships such a model would:

  bert_tiny.onnx         BERT encoder (BertModel + a sequence-classification
                         head): word, position and token-type embeddings,
                         LayerNorm, 2 layers of 4-head self-attention with the
                         additive attention mask, erf GELU, tanh pooler.
                         Inputs input_ids and attention_mask [batch, seq]
                         (int64), outputs logits [batch, 2] and
                         last_hidden_state. Opset 14: LayerNorm as exporters
                         write it before opset 17 (ReduceMean, Sub, Pow, Sqrt,
                         Div).
  bert_tiny_embeds.onnx  the same weights, fed inputs_embeds [batch, seq, 64]
                         (float; what a white-box attack on a text model
                         perturbs), no mask: one input, differentiable.
  gpt_tiny.onnx          GPT-2 decoder: token and position embeddings, 2
                         pre-LayerNorm blocks with causal (lower-triangular)
                         masked self-attention, tanh GELU, tied LM head. Input
                         input_ids [batch, seq], output logits. Opset 17
                         (LayerNormalization).
  resnet_tiny.onnx       CIFAR-style ResNet of torchvision's (quantizable)
                         BasicBlocks: 3x3
                         stem with 16 channels, stages of 16 and 32 channels
                         (stride 2, 1x1 downsample), BatchNormalization kept
                         (not folded), GlobalAveragePool, Gemm. Input
                         [batch, 3, 32, 32].
  resnet_tiny_int8.onnx  the same network quantised by PyTorch's static
                         post-training quantisation (qnnpack, per-tensor int8
                         weights, uint8 activations calibrated on 64 random
                         images), exported as QuantizeLinear/DequantizeLinear.

Run with Debian's python (python3-torch 1.13.1, python3-torchvision,
python3-onnx), from the repository root:
    /usr/bin/python3 tools/make_real_models.py
The output is deterministic. tools/ort_real.mjs then records ONNX Runtime's
outputs for them. It also writes model/onnx/testdata/seed/fused_patterns.onnx, a
seed of FuzzParse with the patterns that model/onnx fuses.
"""
import math
import os

import onnx
import torch
from torch import nn
from torchvision.models.quantization.resnet import QuantizableBasicBlock as BasicBlock

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model", "onnx", "testdata", "real")

VOCAB, HIDDEN, LAYERS, HEADS, FF, MAX_POS = 512, 64, 2, 4, 128, 32


class BertEmbeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = nn.Embedding(MAX_POS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, inputs_embeds):
        seq = inputs_embeds.shape[1]
        pos = torch.arange(seq, dtype=torch.long, device=inputs_embeds.device).unsqueeze(0)
        types = torch.zeros_like(pos)
        e = inputs_embeds + self.position_embeddings(pos) + self.token_type_embeddings(types)
        return self.LayerNorm(e)


class BertLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.attn_out = nn.Linear(HIDDEN, HIDDEN)
        self.attn_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.intermediate = nn.Linear(HIDDEN, FF)
        self.output = nn.Linear(FF, HIDDEN)
        self.out_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.gelu = nn.GELU()

    def heads(self, x):
        b, s, _ = x.shape
        return x.view(b, s, HEADS, HIDDEN // HEADS).permute(0, 2, 1, 3)

    def forward(self, h, mask_add):
        q, k, v = self.heads(self.query(h)), self.heads(self.key(h)), self.heads(self.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(HIDDEN // HEADS)
        if mask_add is not None:
            scores = scores + mask_add
        ctx = torch.matmul(scores.softmax(dim=-1), v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(h.shape[0], h.shape[1], HIDDEN)
        h = self.attn_norm(self.attn_out(ctx) + h)
        return self.out_norm(self.output(self.gelu(self.intermediate(h))) + h)


class Bert(nn.Module):
    """BertModel with BertForSequenceClassification's head (2 labels)."""

    def __init__(self):
        super().__init__()
        self.embeddings = BertEmbeddings()
        self.layers = nn.ModuleList([BertLayer() for _ in range(LAYERS)])
        self.pooler = nn.Linear(HIDDEN, HIDDEN)
        self.classifier = nn.Linear(HIDDEN, 2)

    def encode(self, inputs_embeds, attention_mask):
        mask_add = None
        if attention_mask is not None:
            mask_add = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        h = self.embeddings(inputs_embeds)
        for layer in self.layers:
            h = layer(h, mask_add)
        logits = self.classifier(torch.tanh(self.pooler(h[:, 0])))
        return logits, h


class BertIds(nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask):
        return self.bert.encode(self.bert.embeddings.word_embeddings(input_ids), attention_mask)


class BertEmbeds(nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, inputs_embeds):
        return self.bert.encode(inputs_embeds, None)


def gelu_new(x):
    """GPT-2's GELU (the tanh approximation), as transformers writes it."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPTBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(HIDDEN, eps=1e-5)
        self.c_attn = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.c_proj = nn.Linear(HIDDEN, HIDDEN)
        self.ln_2 = nn.LayerNorm(HIDDEN, eps=1e-5)
        self.c_fc = nn.Linear(HIDDEN, 4 * HIDDEN)
        self.mlp_proj = nn.Linear(4 * HIDDEN, HIDDEN)
        self.register_buffer("bias", torch.tril(torch.ones(MAX_POS, MAX_POS, dtype=torch.bool)).view(1, 1, MAX_POS, MAX_POS))

    def forward(self, x):
        b, s, _ = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(HIDDEN, dim=2)
        q, k, v = (t.view(b, s, HEADS, HIDDEN // HEADS).transpose(1, 2) for t in (q, k, v))
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(HIDDEN // HEADS)
        causal = self.bias[:, :, :s, :s]
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min, dtype=w.dtype))
        a = torch.matmul(nn.functional.softmax(w, dim=-1), v).transpose(1, 2).contiguous().view(b, s, HIDDEN)
        x = x + self.c_proj(a)
        return x + self.mlp_proj(gelu_new(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, HIDDEN)
        self.wpe = nn.Embedding(MAX_POS, HIDDEN)
        self.h = nn.ModuleList([GPTBlock() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(HIDDEN, eps=1e-5)

    def forward(self, input_ids):
        pos = torch.arange(input_ids.shape[1], dtype=torch.long).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return torch.matmul(self.ln_f(x), self.wte.weight.t())


class ResNet(nn.Module):
    """A CIFAR ResNet (He et al. 2016, section 4.2) of torchvision BasicBlocks."""

    def __init__(self, quant=False):
        super().__init__()
        self.quant = torch.quantization.QuantStub() if quant else nn.Identity()
        self.dequant = torch.quantization.DeQuantStub() if quant else nn.Identity()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        down = nn.Sequential(nn.Conv2d(16, 32, 1, stride=2, bias=False), nn.BatchNorm2d(32))
        self.layer1 = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 16))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, stride=2, downsample=down), BasicBlock(32, 32))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(self.quant(x))))
        x = self.avgpool(self.layer2(self.layer1(x)))
        return self.dequant(self.fc(torch.flatten(x, 1)))


def randomize_batchnorm(model, gen):
    """Running statistics away from (0, 1) so that the BatchNorms do something."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def export(model, args, name, inputs, outputs, dynamic, opset, **kw):
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                      opset_version=opset, do_constant_folding=True, **kw)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    m.producer_name, m.producer_version = "pytorch", torch.__version__
    m.doc_string = "aiassure testdata: tools/make_real_models.py (random weights from a fixed generator)"
    onnx.save(m, path)
    print(f"wrote {path}: {os.path.getsize(path)} bytes, ops {sorted({n.op_type for n in m.graph.node})}")


def main():
    torch.manual_seed(20261204)
    os.makedirs(OUT, exist_ok=True)
    seqdyn = {0: "batch", 1: "sequence"}

    bert = Bert().eval()
    ids = torch.randint(0, VOCAB, (2, 16))
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 10:] = 0
    export(BertIds(bert), (ids, mask), "bert_tiny", ["input_ids", "attention_mask"], ["logits", "last_hidden_state"],
           {"input_ids": seqdyn, "attention_mask": seqdyn, "logits": {0: "batch"}, "last_hidden_state": seqdyn}, 14)
    embeds = torch.randn(2, 16, HIDDEN)
    export(BertEmbeds(bert), (embeds,), "bert_tiny_embeds", ["inputs_embeds"], ["logits", "last_hidden_state"],
           {"inputs_embeds": seqdyn, "logits": {0: "batch"}, "last_hidden_state": seqdyn}, 14)

    gpt = GPT().eval()
    export(gpt, (ids,), "gpt_tiny", ["input_ids"], ["logits"], {"input_ids": seqdyn, "logits": seqdyn}, 17)

    gen = torch.Generator().manual_seed(7)
    net = ResNet().eval()
    randomize_batchnorm(net, gen)
    img = torch.randn(2, 3, 32, 32)
    export(net, (img,), "resnet_tiny", ["input"], ["logits"], {"input": {0: "batch"}, "logits": {0: "batch"}}, 13,
           training=torch.onnx.TrainingMode.PRESERVE)

    qnet = ResNet(quant=True)
    qnet.load_state_dict(net.state_dict())
    qnet.eval()
    export_quantised(qnet, img)


def export_quantised(qnet, img):
    torch.backends.quantized.engine = "qnnpack"
    qnet.qconfig = torch.quantization.get_default_qconfig("qnnpack")
    torch.quantization.fuse_modules(qnet, [["conv1", "bn1", "relu"]], inplace=True)
    for stage in (qnet.layer1, qnet.layer2):
        for block in stage:
            block.fuse_model()
    prepared = torch.quantization.prepare(qnet)
    calib = torch.Generator().manual_seed(11)
    with torch.no_grad():
        prepared(torch.randn(64, 3, 32, 32, generator=calib))
    quantised = torch.quantization.convert(prepared)
    export(quantised, (img,), "resnet_tiny_int8", ["input"], ["logits"], {"input": {0: "batch"}, "logits": {0: "batch"}}, 13)


def fuzz_seed():
    """A tiny graph with the three transformer patterns model/onnx fuses (MatMul + bias, LayerNorm
    as written before opset 17, erf GELU): a seed of FuzzParse."""
    from onnx import TensorProto, helper, numpy_helper
    import numpy as np
    rng = np.random.default_rng(3)
    c = lambda name, v: numpy_helper.from_array(np.asarray(v, dtype=np.float32), name)
    inits = [c("W", rng.standard_normal((4, 4))), c("b", rng.standard_normal(4)), c("g", [1, 2, 0.5, 1]),
             c("beta", [0, 0.1, 0, -0.1]), c("two", 2), c("eps", 1e-5), c("r2", 1.4142135), c("one", 1), c("half", 0.5)]
    n = helper.make_node
    nodes = [n("MatMul", ["X", "W"], ["mm"]), n("Add", ["b", "mm"], ["h"]),
             n("ReduceMean", ["h"], ["m"], axes=[-1]), n("Sub", ["h", "m"], ["d"]), n("Pow", ["d", "two"], ["p"]),
             n("ReduceMean", ["p"], ["v"], axes=[-1]), n("Add", ["v", "eps"], ["ve"]), n("Sqrt", ["ve"], ["s"]),
             n("Div", ["d", "s"], ["nrm"]), n("Mul", ["nrm", "g"], ["sc"]), n("Add", ["sc", "beta"], ["ln"]),
             n("Div", ["ln", "r2"], ["gd"]), n("Erf", ["gd"], ["ge"]), n("Add", ["ge", "one"], ["ga"]),
             n("Mul", ["ln", "ga"], ["gm"]), n("Mul", ["gm", "half"], ["Y"])]
    graph = helper.make_graph(nodes, "fused_patterns", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3, 4])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 3, 4])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="aiassure-testdata")
    m.ir_version = 7
    onnx.checker.check_model(m)
    path = os.path.join(OUT, "..", "seed", "fused_patterns.onnx")
    onnx.save(m, path)
    print(f"wrote {path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
    fuzz_seed()
