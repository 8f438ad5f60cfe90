"""A tiny, seeded LLaVA-style vision projector (mmproj) GGUF for a given text model.

No vision GGUF can be downloaded here, so the tests write one with the `gguf` package: a CLIP
vision tower (conv patch embedding, position embeddings, pre-layer-norm, `blocks` transformer
blocks) and LLaVA 1.5's two-layer MLP projector (`mm.0`, GELU, `mm.2`) whose output width is the
text model's `embedding_length`, read from the text GGUF's header. llama.cpp's loader
(tools/mtmd/clip.cpp) reads exactly these keys and tensor names for `clip.projector_type = mlp`;
with no `image_grid_pinpoints` its fixed-size preprocessor pads and resizes every image to
`image_size` square, so each image costs (image_size / patch_size)^2 tokens, whatever its size.

The weights are random (seeded): the answers are noise, the tokens, limits and code paths real.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def text_embedding_length(text_gguf: Path) -> int:
    """`<arch>.embedding_length` of a text model GGUF, from its header."""
    import gguf

    reader = gguf.GGUFReader(str(text_gguf))
    arch_field = reader.fields["general.architecture"]
    arch = bytes(arch_field.parts[arch_field.data[0]]).decode()
    field = reader.fields[f"{arch}.embedding_length"]
    return int(field.parts[field.data[0]][0])


def build_tiny_mmproj(text_gguf: Path, out: Path, *, image_size: int = 112, patch_size: int = 14,
                      width: int = 64, heads: int = 4, ffn: int = 128, blocks: int = 2,
                      pinpoints: tuple[tuple[int, int], ...] = (), seed: int = 17) -> Path:
    """Write the projector to `out` and return it. Tokens per image: (image_size // patch_size)^2
    per tile. With `pinpoints` (LLaVA-1.6 "anyres" grid resolutions, multiples of image_size), an
    image larger than image_size is also cut into the tiles of the best-fitting resolution."""
    import gguf

    n_text = text_embedding_length(text_gguf)
    rng = np.random.default_rng(seed)

    def weight(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    n_patches = (image_size // patch_size) ** 2
    writer = gguf.GGUFWriter(str(out), arch="clip")
    writer.add_string("general.name", "turnout-tiny-llava-projector")
    writer.add_string("general.description", f"seeded test projector for a {n_text}-wide text model")
    writer.add_bool("clip.has_vision_encoder", True)
    writer.add_bool("clip.has_text_encoder", False)
    writer.add_string("clip.projector_type", "mlp")
    writer.add_uint32("clip.vision.image_size", image_size)
    writer.add_uint32("clip.vision.patch_size", patch_size)
    writer.add_uint32("clip.vision.embedding_length", width)
    writer.add_uint32("clip.vision.feed_forward_length", ffn)
    writer.add_uint32("clip.vision.projection_dim", n_text)
    writer.add_uint32("clip.vision.attention.head_count", heads)
    writer.add_float32("clip.vision.attention.layer_norm_epsilon", 1e-5)
    writer.add_uint32("clip.vision.block_count", blocks)
    writer.add_array("clip.vision.image_mean", [0.48145466, 0.4578275, 0.40821073])
    writer.add_array("clip.vision.image_std", [0.26862954, 0.26130258, 0.27577711])
    writer.add_bool("clip.use_gelu", False)
    if pinpoints:
        writer.add_array("clip.vision.image_grid_pinpoints", [side for point in pinpoints for side in point])

    # numpy shapes are PyTorch's (out, in); ggml reverses them on load
    writer.add_tensor("v.patch_embd.weight", weight(width, 3, patch_size, patch_size).astype(np.float16))
    writer.add_tensor("v.position_embd.weight", weight(n_patches, width))
    writer.add_tensor("v.pre_ln.weight", np.ones(width, np.float32))
    writer.add_tensor("v.pre_ln.bias", np.zeros(width, np.float32))
    for i in range(blocks):
        for name in ("attn_q", "attn_k", "attn_v", "attn_out"):
            writer.add_tensor(f"v.blk.{i}.{name}.weight", weight(width, width))
            writer.add_tensor(f"v.blk.{i}.{name}.bias", np.zeros(width, np.float32))
        for name in ("ln1", "ln2"):
            writer.add_tensor(f"v.blk.{i}.{name}.weight", np.ones(width, np.float32))
            writer.add_tensor(f"v.blk.{i}.{name}.bias", np.zeros(width, np.float32))
        writer.add_tensor(f"v.blk.{i}.ffn_up.weight", weight(ffn, width))
        writer.add_tensor(f"v.blk.{i}.ffn_up.bias", np.zeros(ffn, np.float32))
        writer.add_tensor(f"v.blk.{i}.ffn_down.weight", weight(width, ffn))
        writer.add_tensor(f"v.blk.{i}.ffn_down.bias", np.zeros(width, np.float32))
    hidden = 2 * width
    writer.add_tensor("mm.0.weight", weight(hidden, width))
    writer.add_tensor("mm.0.bias", np.zeros(hidden, np.float32))
    writer.add_tensor("mm.2.weight", weight(n_text, hidden))
    writer.add_tensor("mm.2.bias", np.zeros(n_text, np.float32))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def tokens_per_image(image_size: int = 112, patch_size: int = 14) -> int:
    return (image_size // patch_size) ** 2
