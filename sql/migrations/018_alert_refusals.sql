-- Guarantees: per (alert_id, state, webhook) how its delivery ended: 'delivered', or 'refused' when the
-- webhook refused the request for good (a 4xx other than 408, 425, 429), with the HTTP status and the
-- body as posted, so a request set aside is never retried by a restart yet can be sent again by hand.
-- Rows written before read as delivered.
ALTER TABLE alert_deliveries ADD COLUMN outcome String DEFAULT 'delivered';
ALTER TABLE alert_deliveries ADD COLUMN http_status UInt16 DEFAULT 0;
ALTER TABLE alert_deliveries ADD COLUMN body String DEFAULT '';
