"""Scenarios: secrets registered and hidden from many threads at once, as steps do."""

from __future__ import annotations

import secrets
import threading

from release_tasks.core import redact


def test_secrets_registered_in_parallel_threads_are_all_hidden():
    tokens = [f"tok-{secrets.token_hex(8)}" for _ in range(8)]
    leaks: list[str] = []
    start = threading.Barrier(len(tokens))

    def step(token: str) -> None:
        start.wait()
        for n in range(25):
            redact.register(f"{token}-{n}")
            line = redact.redact(f"uploading with {token}-{n} and {token}-{n // 2}")
            if token in line:
                leaks.append(line)

    threads = [threading.Thread(target=step, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert leaks == []
    everything = " ".join(f"{t}-{n}" for t in tokens for n in range(25))
    assert not any(t in redact.redact(everything) for t in tokens)


def test_a_webhook_url_and_its_token_are_hidden_wherever_they_show():
    url = f"https://hooks.slack.com/services/T000/B000/{secrets.token_hex(12)}"
    token = url.rsplit("/", 1)[1]
    redact.register(url)

    assert redact.redact(f"POST {url} failed") == \
        "POST https://hooks.slack.com/services/T…/B…/*** failed"
    assert token not in redact.redact(f"the token {token} alone")
