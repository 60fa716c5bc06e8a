-- Guarantees: per (client, agent_id) the state of the latest agent.state in event time, after FINAL.
CREATE TABLE IF NOT EXISTS agent_states (
    client String,
    agent_id String,
    version UInt64,
    event_id String,
    queue String,
    channel String,
    state String,
    changed_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(version)
ORDER BY (client, agent_id);
