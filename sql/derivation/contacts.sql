-- One row per contact: the event of each kind that counts (kpis.md "Grain and attribution").
-- "First" is the earliest occurred_at, ties broken by the smaller event_id: every argMin below
-- orders by the pair (at_us, event_id), so a duplicate (same event_id, same bytes) changes
-- nothing and the order events were stored in never matters. A survey is the latest answer
-- (kpis.md, "Which event counts"): argMax over the same pair.
-- Where only the time of the first counts (answered, abandoned, replied), the earliest time is it.
-- Input `events`: one row per stored event with the columns its payload gives (see events.sql).
SELECT
    client,
    contact_id,
    count() AS events,  -- what the derivation read (the replay's report says how many)
    countIf(type = 'contact.arrived') > 0 AS has_arrival,
    argMinIf((at_us, queue, channel, customer_id, outbound), (at_us, event_id), type = 'contact.arrived') AS arrival,
    countIf(type = 'contact.answered') > 0 AS has_answer,
    minIf(at_us, type = 'contact.answered') AS answered_us,
    countIf(type = 'contact.abandoned') > 0 AS has_abandon,
    minIf(at_us, type = 'contact.abandoned') AS abandoned_us,
    countIf(type = 'contact.replied') > 0 AS has_reply,
    minIf(at_us, type = 'contact.replied') AS replied_us,
    countIf(type = 'contact.ended') > 0 AS has_end,
    argMinIf((at_us, talk_us, hold_us, wrap_us, resolved), (at_us, event_id), type = 'contact.ended') AS ending,
    countIf(type = 'survey.answered') > 0 AS has_survey,
    argMaxIf((csat, nps, ces), (at_us, event_id), type = 'survey.answered') AS survey,
    countIf(type = 'contact.transferred') > 0 AS has_transfer,
    countIf(type = 'contact.self_served') > 0 AS has_self_service
FROM {events}
WHERE contact_id != ''
GROUP BY client, contact_id
