-- Each message of the source as an event: the fields kpis.md counts, read from the payload in one
-- pass over its JSON, and whether it is an event at all under events.md's rules. `valid` makes the
-- decisions schemas/events.py makes (a test holds the two to every message of the project's
-- bad-message set and to generated ones); why a message is not valid is the contract models' to
-- say, for the few that are not. Every JSON value is read with its JSON type (Dynamic), so a number
-- given as text, a boolean given as 1 or a missing field is told from the real thing; `null` reads
-- as absent, as the contract says of optional fields.
-- Durations become integer microseconds rounded as the Python engine rounds them (half to even);
-- the event time is computed from its RFC 3339 text exactly as Python's datetime does (any year,
-- any offset, digits past microseconds cut), not by a parser with a narrower range. A duration is
-- at most 10^9 seconds (schemas/events.py): more would not fit the columns' microseconds.
-- A name given twice in the object (valid JSON) is read here as ClickHouse reads it, the first;
-- the contract models keep the last: `twice` marks such a message, left to the contract models, and
-- the derivation reads it again in its canonical form (streams/storage/named_twice.py).
-- Inputs: `source`, a relation with the message as read in `payload`, the bytes it came as in
-- `original` (the same but for a canonical form) and its number in `line`; `types`, `channels` and
-- `states`, the contract's names as array literals.
SELECT
    line,
    payload,
    original,
    cityHash64(original) AS copy,
    length(arrayDistinct(names)) != length(names) AS twice,
    type,
    event_id,
    client,
    contact_id,
    at_us,
    queue,
    channel,
    customer_id,
    toInt64(round(if(is_ended AND ifNull(talk_n BETWEEN 0 AND 1e9, false), ifNull(talk_n, 0), 0) * 1000000)) AS talk_us,
    toInt64(round(if(is_ended AND ifNull(hold_n BETWEEN 0 AND 1e9, false), ifNull(hold_n, 0), 0) * 1000000)) AS hold_us,
    toInt64(round(if(is_ended AND ifNull(wrap_n BETWEEN 0 AND 1e9, false), ifNull(wrap_n, 0), 0) * 1000000)) AS wrap_us,
    is_ended AND ifNull(e.resolved.Bool, false) AS resolved,
    if(is_survey AND ifNull(csat_n BETWEEN 0 AND 5, false), toInt64(csat_n), NULL) AS csat,
    if(is_survey AND ifNull(nps_n BETWEEN 0 AND 10, false), toInt64(nps_n), NULL) AS nps,
    if(is_survey AND ifNull(ces_n BETWEEN 0 AND 7, false), toInt64(ces_n), NULL) AS ces,
    type = 'contact.arrived' AND ifNull(e.direction.String, '') = 'outbound' AS outbound,
    ifNull(
        match(payload, '^[ \\t\\r\\n]*[{]')  -- an object (an array would be read by position)
        AND dynamicType(e.type) = 'String' AND has({types}, type)
        AND ifNull(e.schema_version.Int64 = 1, false)
        AND (dynamicType(e.event_id) = 'String' AND lengthUTF8(e.event_id.String) BETWEEN 1 AND 256) AND (dynamicType(e.client) = 'String' AND lengthUTF8(e.client.String) BETWEEN 1 AND 256) AND (dynamicType(e.queue) = 'String' AND lengthUTF8(e.queue.String) BETWEEN 1 AND 256)
        AND time_ok
        AND if(
            is_agent,
            (dynamicType(e.agent_id) = 'String' AND lengthUTF8(e.agent_id.String) BETWEEN 1 AND 256)
                AND dynamicType(e.state) = 'String' AND has({states}, e.state.String)
                AND (dynamicType(e.channel) = 'None' OR dynamicType(e.channel) = 'String' AND has({channels}, channel)),
            dynamicType(e.channel) = 'String' AND has({channels}, channel)
                AND (dynamicType(e.contact_id) = 'String' AND lengthUTF8(e.contact_id.String) BETWEEN 1 AND 256)
                AND (dynamicType(e.customer_id) = 'None' AND type != 'contact.arrived' OR (dynamicType(e.customer_id) = 'String' AND lengthUTF8(e.customer_id.String) BETWEEN 1 AND 256))
                AND (dynamicType(e.agent_id) = 'None'
                         AND type NOT IN ('contact.answered', 'contact.replied', 'contact.ended')
                     OR (dynamicType(e.agent_id) = 'String' AND lengthUTF8(e.agent_id.String) BETWEEN 1 AND 256))
                AND (type != 'contact.transferred' OR (dynamicType(e.to_queue) = 'String' AND lengthUTF8(e.to_queue.String) BETWEEN 1 AND 256))
                AND (type != 'contact.arrived' OR dynamicType(e.direction) = 'None'
                     OR dynamicType(e.direction) = 'String' AND e.direction.String IN ('inbound', 'outbound'))
                AND (type != 'contact.self_served' OR dynamicType(e.bot_id) = 'None'
                     OR (dynamicType(e.bot_id) = 'String' AND lengthUTF8(e.bot_id.String) BETWEEN 1 AND 256))
                AND (NOT is_ended
                     OR ifNull(talk_n BETWEEN 0 AND 1e9 AND hold_n BETWEEN 0 AND 1e9 AND wrap_n BETWEEN 0 AND 1e9, false)
                        AND dynamicType(e.resolved) = 'Bool'
                        AND (dynamicType(e.reason) = 'None'
                             OR dynamicType(e.reason) = 'String' AND lengthUTF8(e.reason.String) BETWEEN 1 AND 64))
                AND (NOT is_survey
                     OR (has_csat OR has_nps OR has_ces)
                        AND (NOT has_csat OR ifNull(csat_n BETWEEN 1 AND 5 AND csat_n = floor(csat_n), false))
                        AND (NOT has_nps OR ifNull(nps_n BETWEEN 0 AND 10 AND nps_n = floor(nps_n), false))
                        AND (NOT has_ces OR ifNull(ces_n BETWEEN 1 AND 7 AND ces_n = floor(ces_n), false))
                        AND (dynamicType(e.comment) = 'None'
                             OR dynamicType(e.comment) = 'String' AND lengthUTF8(e.comment.String) <= 2000))
        ),
        false
    ) AS valid,
    -- An integer beyond 64 bits reads as text here: where a text field holds only such digits, the
    -- contract models decide (rare; a string of twenty digits is text to both).
    twice OR arrayExists(v -> length(v) >= 20 AND match(v, '^-?[0-9]+$'), [event_id, client, queue,
        contact_id, customer_id, agent_id, ifNull(e.to_queue.String, ''), ifNull(e.reason.String, ''),
        ifNull(e.comment.String, ''), ifNull(e.bot_id.String, '')]) AS unsure
FROM (
    SELECT
        line,
        payload,
        original,
        JSONExtractKeys(payload) AS names,
        JSONExtract(payload, 'Tuple(type Dynamic, event_id Dynamic, schema_version Dynamic, occurred_at Dynamic, client Dynamic, queue Dynamic, channel Dynamic, contact_id Dynamic, customer_id Dynamic, agent_id Dynamic, to_queue Dynamic, talk_s Dynamic, hold_s Dynamic, wrap_s Dynamic, resolved Dynamic, reason Dynamic, csat Dynamic, nps Dynamic, ces Dynamic, comment Dynamic, state Dynamic, direction Dynamic, bot_id Dynamic)') AS e,
        ifNull(e.type.String, '') AS type,
        ifNull(e.event_id.String, '') AS event_id,
        ifNull(e.client.String, '') AS client,
        ifNull(e.contact_id.String, '') AS contact_id,
        ifNull(e.queue.String, '') AS queue,
        ifNull(e.channel.String, '') AS channel,
        ifNull(e.customer_id.String, '') AS customer_id,
        ifNull(e.agent_id.String, '') AS agent_id,
        type = 'agent.state' AS is_agent,
        type = 'contact.ended' AS is_ended,
        type = 'survey.answered' AS is_survey,
        -- A JSON number of any kind as a Float64 (NULL: not a number, or absent).
        coalesce(toFloat64(e.talk_s.Int64), toFloat64(e.talk_s.UInt64), e.talk_s.Float64) AS talk_n,
        coalesce(toFloat64(e.hold_s.Int64), toFloat64(e.hold_s.UInt64), e.hold_s.Float64) AS hold_n,
        coalesce(toFloat64(e.wrap_s.Int64), toFloat64(e.wrap_s.UInt64), e.wrap_s.Float64) AS wrap_n,
        coalesce(toFloat64(e.csat.Int64), toFloat64(e.csat.UInt64), e.csat.Float64) AS csat_n,
        coalesce(toFloat64(e.nps.Int64), toFloat64(e.nps.UInt64), e.nps.Float64) AS nps_n,
        coalesce(toFloat64(e.ces.Int64), toFloat64(e.ces.UInt64), e.ces.Float64) AS ces_n,
        dynamicType(e.csat) != 'None' AS has_csat,
        dynamicType(e.nps) != 'None' AS has_nps,
        dynamicType(e.ces) != 'None' AS has_ces,
        -- RFC 3339 with offset (schemas.events.RFC3339_PATTERN), then what datetime refuses.
        ifNull(e.occurred_at.String, '') AS stamp,
        dynamicType(e.occurred_at) = 'String'
            AND match(stamp, '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$') AS stamp_ok,
        if(stamp_ok, toInt64OrZero(substring(stamp, 1, 4)), 1) AS y,
        if(stamp_ok, toInt64OrZero(substring(stamp, 6, 2)), 1) AS mo,
        if(stamp_ok, toInt64OrZero(substring(stamp, 9, 2)), 1) AS d,
        if(stamp_ok, toInt64OrZero(substring(stamp, 12, 2)), 0) AS h,
        if(stamp_ok, toInt64OrZero(substring(stamp, 15, 2)), 0) AS mi,
        if(stamp_ok, toInt64OrZero(substring(stamp, 18, 2)), 0) AS s,
        upper(substring(stamp, length(stamp), 1)) = 'Z' AS utc,
        if(stamp_ok AND NOT utc, toInt64OrZero(substring(stamp, length(stamp) - 4, 2)), 0) AS off_h,
        if(stamp_ok AND NOT utc, toInt64OrZero(substring(stamp, length(stamp) - 1, 2)), 0) AS off_m,
        if(stamp_ok AND NOT utc AND substring(stamp, length(stamp) - 5, 1) = '-', -1, 1) AS off_sign,
        substring(stamp, 21, greatest(toInt64(length(stamp)) - 20 - if(utc, 1, 6), 0)) AS fraction,
        toInt64OrZero(substring(concat(fraction, '000000'), 1, 6)) AS frac_us,
        (modulo(y, 4) = 0 AND modulo(y, 100) != 0) OR modulo(y, 400) = 0 AS leap,
        stamp_ok AND y >= 1 AND mo BETWEEN 1 AND 12 AND h <= 23 AND mi <= 59 AND s <= 59
            AND off_h <= 23 AND off_m <= 59
            AND d BETWEEN 1 AND multiIf(mo = 2, 28 + leap, mo IN (4, 6, 9, 11), 30, 31) AS time_ok,
        -- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
        y - (mo <= 2) AS yp,
        intDiv(yp, 400) AS era,
        yp - era * 400 AS yoe,
        intDiv(153 * modulo(mo + 9, 12) + 2, 5) + d - 1 AS doy,
        yoe * 365 + intDiv(yoe, 4) - intDiv(yoe, 100) + doy AS doe,
        era * 146097 + doe - 719468 AS days,
        ((days * 86400 + h * 3600 + mi * 60 + s) - off_sign * (off_h * 3600 + off_m * 60)) * 1000000 + frac_us AS at_us
    FROM {source}
    -- Every JSON string read as a string: a time or a number written as text is not guessed at.
    SETTINGS input_format_try_infer_dates = 0, input_format_try_infer_datetimes = 0,
        input_format_json_try_infer_numbers_from_strings = 0
)
-- Every function above is total (nothing throws on a refused message), so the query that reads this
-- step runs it with short_circuit_function_evaluation = 'disable' (streams/storage/sql_derivation.py):
-- evaluated lazily, row by row over Dynamic values, the checks took thirty times longer.
