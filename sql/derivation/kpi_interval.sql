-- KPI rows (kpis.md "Additive columns"): per (client, queue, channel, interval_start) of each
-- contact's first arrival, every additive column, durations in microseconds (the *_s_sum
-- columns). Inputs, in braces below: contacts (contacts.sql), lanes (the SLA file's thresholds
-- of every lane, in microseconds), calendar (each client's open stretches, from its opening
-- hours and holidays), interval_s, fcr_window_us, synchronous (the channels whose customers wait on
-- the line: only they have short abandons).
SELECT
    client, queue, channel, interval_start,
    countIf(inbound) AS offered,
    countIf(inbound AND has_answer) AS answered,
    countIf(inbound AND has_answer AND wait_us <= sl_threshold_us) AS answered_in_sl,
    sumIf(wait_us, inbound AND has_answer) AS wait_s_sum,
    -- a contact with an answer counts as answered and never as abandoned
    countIf(gave_up) AS abandoned,
    countIf(gave_up AND has({synchronous}, channel) AND gave_up_us < short_abandon_us) AS short_abandoned,
    countIf(gave_up AND gave_up_us <= sl_threshold_us) AS abandoned_in_sl,
    countIf(is_handled) AS handled,
    sumIf(ending.2, is_handled) AS talk_s_sum,
    sumIf(ending.3, is_handled) AS hold_s_sum,
    sumIf(ending.4, is_handled) AS wrap_s_sum,
    sumIf(ending.2 + ending.3 + ending.4, is_handled) AS handle_s_sum,
    -- handled and resolved, and no other contact of the customer (same client, any queue or
    -- channel) arrived after the end and within the FCR window
    countIf(is_handled AND ending.5 AND NOT arrayExists(
        (other_us, other_id) -> other_us > ending.1 AND other_us <= ending.1 + {fcr_window_us} AND other_id != contact_id,
        customer_arrivals.1, customer_arrivals.2)) AS fcr_success,
    countIf(inbound AND has_reply) AS first_responses,
    sumIf(replied_us - arrived_us, inbound AND has_reply) AS first_response_s_sum,
    countIf(inbound AND has_survey AND survey.1 IS NOT NULL) AS csat_responses,
    countIf(inbound AND has_survey AND survey.1 >= 4) AS csat_satisfied,
    countIf(inbound AND has_survey AND survey.2 IS NOT NULL) AS nps_responses,
    countIf(inbound AND has_survey AND survey.2 >= 9) AS nps_promoters,
    countIf(inbound AND has_survey AND survey.2 <= 6) AS nps_detractors,
    -- waits on the asynchronous channels in business time where the client has opening hours: the part of
    -- [arrived, replied) inside the open stretches of its calendar; elsewhere all of it
    countIf(inbound AND has_reply AND first_response_target_us IS NOT NULL AND if(business,
            arraySum(arrayMap((open_us, close_us) -> greatest(0, least(replied_us, close_us) - greatest(arrived_us, open_us)), opens, closes)),
            greatest(replied_us - arrived_us, 0)) <= first_response_target_us) AS first_responses_in_target,
    countIf(inbound AND has_transfer) AS transferred,
    countIf(inbound AND has_survey) AS surveyed,
    countIf(inbound AND has_survey AND survey.3 IS NOT NULL) AS ces_responses,
    sumIf(ifNull(survey.3, 0), inbound AND has_survey AND survey.3 IS NOT NULL) AS ces_sum,
    -- additions, second set: a bot's closing (an answer wins over it, it wins over an abandon),
    -- resolution time of resolved handled contacts, and the centre's outbound work
    countIf(inbound AND has_self_service AND NOT has_answer) AS self_served,
    countIf(is_handled AND ending.5) AS resolved,
    sumIf(ending.1 - arrived_us, is_handled AND ending.5) AS resolution_s_sum,
    countIf(NOT inbound AND has_end) AS outbound_handled,
    sumIf(ending.2 + ending.3 + ending.4, NOT inbound AND has_end) AS outbound_handle_s_sum
FROM (
    SELECT
        contacts.*,
        arrival.1 AS arrived_us, arrival.2 AS queue, arrival.3 AS channel, arrival.4 AS customer_id,
        NOT arrival.5 AS inbound,  -- an outbound contact counts only as outbound work (kpis.md)
        intDiv(arrived_us, {interval_s} * 1000000) * {interval_s} AS interval_start,
        answered_us - arrived_us AS wait_us,
        inbound AND has_abandon AND NOT has_answer AND NOT has_self_service AS gave_up,
        abandoned_us - arrived_us AS gave_up_us,
        inbound AND has_answer AND has_end AS is_handled
    FROM {contacts} AS contacts
    WHERE has_arrival
) AS counted
LEFT JOIN (
    SELECT client, arrival.4 AS customer_id,
        arraySort(groupArray((arrival.1, contact_id))) AS customer_arrivals
    FROM {contacts}
    WHERE has_arrival AND NOT arrival.5  -- an outbound contact is never a repeat
    GROUP BY client, customer_id
) AS customers USING (client, customer_id)
LEFT JOIN {lanes} AS lanes USING (client, queue, channel)
LEFT JOIN {calendar} AS calendar USING (client)
GROUP BY client, queue, channel, interval_start
HAVING offered > 0 OR outbound_handled > 0
ORDER BY client, queue, channel, interval_start
