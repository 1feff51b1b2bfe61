"""Writes the tokenizer.json fixture of TokenizerJsonTest with transformers 5 (which saves no vocab.txt) and the ids
its fast tokenizer gives. Run with transformers installed: python make_fixture.py"""
import json, os, shutil, tempfile
from transformers import BertTokenizerFast

vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "영화", "##가", "재", "##밌", "##어요", "최고", "!", "the", "movie",
         "##s", "a", "café", "cafe", ".", "<"]
texts = [["영화가 재밌어요!"], ["The movies, café."], ["영화 [NEW] 최고 <e>최고</e>"], ["영화관람 최고", "[NEW] a"],
         ["[MASK] 영화 [UNK]"]]
with tempfile.TemporaryDirectory() as tmp:
    with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    for name, lower in [("cased", False), ("uncased", True)]:
        t = BertTokenizerFast.from_pretrained(tmp, do_lower_case=lower)
        t.add_tokens(["[NEW]", "영화관람"])
        t.add_special_tokens({"additional_special_tokens": ["<e>", "</e>"]})
        out = name
        shutil.rmtree(out, ignore_errors=True)
        t.save_pretrained(out)
        assert not os.path.exists(os.path.join(out, "vocab.txt"))
        cases = [{"text": x[0], "text_pair": x[1] if len(x) > 1 else None,
                  "input_ids": t(*x, truncation=True, max_length=16)["input_ids"]} for x in texts]
        with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
            json.dump(cases, f, ensure_ascii=False, indent=1)
