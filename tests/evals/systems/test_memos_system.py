import pytest

from evals.datasets.locomo import LocomoDataset, episode_of
from evals.harness import evaluate
from evals.locomo.loader import select
from evals.systems.memos_system import MemOSSystem
from evals.systems.no_memory import NoMemory
from memos_lab.tiers.plaintext.tier import PlaintextTier


@pytest.fixture(scope="module")
def conversation(locomo):
    return episode_of(select([locomo["30"]], max_questions=2)[0])


def test_memos_system_stores_each_turn_and_answers_with_its_evidence(smollm2, minilm, conversation, tmp_path):
    system = MemOSSystem(smollm2, minilm, PlaintextTier, store_dir=str(tmp_path / "store"), top_k=10)
    system.ingest(conversation)
    assert len(system.store.list(system.actor, namespace=system.namespace)) == len(conversation.events)
    answer = system.answer(conversation.questions[0])
    assert answer.text and len(answer.retrieved_ids) == 10
    assert all(ref.startswith("D") for ref in answer.retrieved_refs)
    assert system.bytes_stored()["plaintext"] == sum(len(system.store.get(i, system.actor).text.encode()) for i in
                                                    [h.id for h in system.store.list(system.actor)])


def test_memos_system_resumes_from_its_store(smollm2, minilm, conversation, tmp_path):
    first = MemOSSystem(smollm2, minilm, PlaintextTier, store_dir=str(tmp_path / "store"))
    first.ingest(conversation)
    expected = first.answer(conversation.questions[0]).retrieved_ids
    first.store.close()
    second = MemOSSystem(smollm2, minilm, PlaintextTier, store_dir=str(tmp_path / "store"))
    second.ingest(conversation)
    assert len(second.store.list(second.actor)) == len(conversation.events)
    assert second.answer(conversation.questions[0]).retrieved_ids == expected


def test_no_memory_sees_only_the_question(smollm2, conversation):
    system = NoMemory(smollm2, max_new_tokens=8)
    system.ingest(conversation)
    answer = system.answer(conversation.questions[0])
    assert answer.prompt_tokens < 120 and answer.retrieved_ids == ()


def test_bytes_stored_counts_every_conversation_not_the_last(smollm2, minilm, locomo, tmp_path):
    system = MemOSSystem(smollm2, minilm, PlaintextTier, store_dir=str(tmp_path / "store"), top_k=2)
    conversations = select([locomo["26"], locomo["30"]], max_questions=1)
    for conversation in conversations:
        system.ingest(episode_of(conversation))
    lines = [f"[{t.date_time}] {t.speaker}: {t.text}" for c in conversations for t in c.turns]
    assert system.bytes_stored()["plaintext"] == sum(len(line.encode()) for line in lines)


def test_a_resumed_run_counts_the_bytes_of_episodes_answered_before_it(smollm2, minilm, tmp_path):
    """The first process answers both conversations; the resumed one has nothing left to answer, and still
    reports the memory of both (it used to count only the episodes it ingested itself)."""
    dataset = LocomoDataset(sample_ids=["26", "30"], max_questions=1)
    episodes = dataset.load()

    def run() -> MemOSSystem:
        system = MemOSSystem(smollm2, minilm, PlaintextTier, store_dir=str(tmp_path / "store"), top_k=2)
        evaluate(system, dataset, episodes, tmp_path / "run")
        return system

    first = run().bytes_stored()
    resumed = run().bytes_stored()
    assert resumed == first and first["plaintext"] > 0
    lines = [e.memory_line() for episode in episodes for e in episode.events]
    assert first["plaintext"] == sum(len(line.encode()) for line in lines)
