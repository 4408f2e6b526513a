"""The outbox and the small named values, the same on every adapter."""

from __future__ import annotations

from typing import Any

from microindex.service.ports import UnitOfWorkFactory

from .samples import AT, later


def test_outbox_messages_come_back_in_order_after_a_mark(uow_factory: UnitOfWorkFactory) -> None:
    payloads: list[dict[str, Any]] = [
        {"n": 1},
        {"nested": {"list": [1, "two", None, True, 2.5]}, "text": "é"},
        {"n": 3},
    ]
    with uow_factory() as uow:
        for i, payload in enumerate(payloads):
            uow.outbox.add("topic", f"key-{i}", payload, later(i))
        uow.commit()
    with uow_factory() as uow:
        everything = uow.outbox.after(0)
        assert [m.payload for m in everything] == payloads
        assert [m.key for m in everything] == ["key-0", "key-1", "key-2"]
        assert [m.created_at for m in everything] == [AT, later(1), later(2)]
        ids = [m.id for m in everything]
        assert ids == sorted(ids) and len(set(ids)) == 3
        assert uow.outbox.after(ids[0]) == everything[1:]
        assert uow.outbox.after(ids[0], limit=1) == everything[1:2]
        assert uow.outbox.after(ids[-1]) == []


def test_outbox_of_one_topic_reads_on_from_past_the_other_topics(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        for i, topic in enumerate(["a", "b", "a", "b", "b"]):
            uow.outbox.add(topic, f"key-{i}", {"n": i}, later(i))
        uow.commit()
    with uow_factory() as uow:
        everything = uow.outbox.after(0)
        ids = [m.id for m in everything]
        assert uow.outbox.of_topic("a", 0) == ([everything[0], everything[2]], ids[-1])
        assert uow.outbox.of_topic("a", 0, limit=1) == ([everything[0]], ids[0])
        assert uow.outbox.of_topic("a", ids[2]) == ([], ids[-1])
        assert uow.outbox.of_topic("c", 0) == ([], ids[-1])
        assert uow.outbox.of_topic("c", ids[-1] + 5) == ([], ids[-1] + 5)


def test_outbox_ids_keep_growing_across_units_of_work(uow_factory: UnitOfWorkFactory) -> None:
    for i in range(3):
        with uow_factory() as uow:
            uow.outbox.add("topic", str(i), {}, AT)
            uow.commit()
    with uow_factory() as uow:
        first = uow.outbox.after(0)
    with uow_factory() as uow:
        uow.outbox.add("topic", "3", {}, AT)
        uow.commit()
    with uow_factory() as uow:
        assert [m.key for m in uow.outbox.after(first[-1].id)] == ["3"]


def test_meta_keeps_the_last_value_put(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.meta.get("mark") is None
        uow.meta.put("mark", "41")
        uow.meta.put("mark", "42")
        uow.meta.put("other", "")
        uow.commit()
    with uow_factory() as uow:
        assert uow.meta.get("mark") == "42"
        assert uow.meta.get("other") == ""
