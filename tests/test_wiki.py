"""The wiki we ship: the 30 pages the hub promises, all reachable from it, checking clean."""

from pathlib import Path

from conftest import run_karpwiki
from karpwiki.graph import PAGE, WikiGraph
from karpwiki.load import load_wiki

WIKI = Path(__file__).parent.parent / "wiki"
CONCEPTS = """zero-to-hero-arc backpropagation value-class transformer-block attention residual-connections
layernorm-vs-rmsnorm gelu-and-swiglu rope tokenization character-vs-bpe weight-tying adamw weight-init
learning-rate-schedules gradient-accumulation dataloader mixed-precision-and-mfu training-stability
hellaswag-eval sampling kv-cache""".split()
REPOS = "micrograd makemore ng-video-lecture nanoGPT build-nanogpt llama2-c llm-c".split()
EXPECTED = {"index.md"} | {f"{name}.md" for name in CONCEPTS} | {f"repos/{name}.md" for name in REPOS}


def test_the_wiki_has_exactly_the_promised_pages():
    assert {page.path for page in load_wiki(WIKI).pages} == EXPECTED


def test_the_hub_links_every_page_directly():
    graph = WikiGraph(load_wiki(WIKI))
    linked = {t.path for t in graph.targets["index.md"] if t.kind == PAGE}
    assert linked == EXPECTED - {"index.md"}


def test_every_page_is_self_contained_and_connected():
    graph = WikiGraph(load_wiki(WIKI))
    for path, page in graph.pages.items():
        if path == "index.md":
            continue
        assert page.title and page.description and page.tags, f"{path} lacks front matter"
        others = {t.path for t in graph.targets[path] if t.kind == PAGE and t.path != path}
        assert len(others) >= 3, f"{path} links to only {sorted(others)}"
        headings = {h.id for h in page.headings}
        assert {"in-the-repos", "sources"} <= headings or path.startswith("repos/"), f"{path} lacks In the repos / Sources"
        assert "sources" in headings, f"{path} has no Sources section"


def test_the_wiki_checks_clean_in_strict_mode():
    result = run_karpwiki("check", WIKI, "--strict")
    assert result.returncode == 0, result.stdout
