#!/usr/bin/env python3
"""Tiny random chat models for the evaluator tests: checkpoints a tokenizer and a ChatML chat
template come with, so the evaluator runs its whole path (template, tokenizer, generation,
grading) in well under a second.

Usage: make_eval_models.py OUT_DIR

Writes OUT_DIR/<name>/ (transformers save_pretrained: config.json, generation_config.json,
model.safetensors; tokenizer.json and tokenizer_config.json with a ChatML chat template):

  qwen_a/   Qwen2ForCausalLM: hidden 64, 2 layers, 4 heads, 2 kv heads, tied embeddings.
  qwen_b/   the same sizes, other weights.
  llama_c/  LlamaForCausalLM: hidden 96, 2 layers, untied head (a bigger checkpoint).

The tokenizer is byte-level BPE (every byte encodable) trained on task-like text, with the
special tokens <|endoftext|>, <|im_start|> and <|im_end|>; <|im_end|> ends generation.
Deterministic (fixed seeds); idempotent: does nothing when OUT_DIR/.complete exists.
"""
import os
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config,
                          Qwen2ForCausalLM)
from transformers.utils import logging as hf_logging

VOCAB = 512
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
SENTENCES = [
    "What is 17 + 25? End your reply with a final line 'Answer: <answer>'.",
    "Reverse the string 'hello world'. Answer: dlrow olleh",
    "Sort these numbers in ascending order: 9, 3, 7, 1. Answer: 1, 3, 7, 9",
    "Count the vowels in 'evolution'. Answer: 5",
    "Which option is correct? A) red B) green C) blue D) yellow. Answer: C",
    "The quick brown fox jumps over the lazy dog. 0123456789 #### \\boxed{42}",
]


def make_tokenizer(path):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB - 16, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(SENTENCES * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(path)
    assert len(fast) <= VOCAB, len(fast)
    return fast.convert_tokens_to_ids("<|endoftext|>"), fast.convert_tokens_to_ids("<|im_end|>")


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUT_DIR")
    out = sys.argv[1]
    if os.path.exists(os.path.join(out, ".complete")):
        return
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    hf_logging.disable_progress_bar()
    tokenizer_dir = os.path.join(out, ".tokenizer")
    pad, eos = make_tokenizer(tokenizer_dir)
    common = dict(vocab_size=VOCAB, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=1024, rms_norm_eps=1e-5,
                  initializer_range=0.2, bos_token_id=pad, eos_token_id=eos, pad_token_id=pad)
    specs = {
        "qwen_a": (Qwen2ForCausalLM, Qwen2Config(hidden_size=64, intermediate_size=160,
                                                 tie_word_embeddings=True, **common)),
        "qwen_b": (Qwen2ForCausalLM, Qwen2Config(hidden_size=64, intermediate_size=160,
                                                 tie_word_embeddings=True, **common)),
        "llama_c": (LlamaForCausalLM, LlamaConfig(hidden_size=96, intermediate_size=256,
                                                  tie_word_embeddings=False, **common)),
    }
    for index, (name, (cls, config)) in enumerate(specs.items()):
        torch.manual_seed(10 + index)
        path = os.path.join(out, name)
        cls(config).eval().to(torch.float32).save_pretrained(path)
        PreTrainedTokenizerFast.from_pretrained(tokenizer_dir).save_pretrained(path)
    with open(os.path.join(out, ".complete"), "w") as f:
        f.write("ok\n")


if __name__ == "__main__":
    main()
