-- Calls are keyed by the proxy's own call id (usage_logs.id, a UUID v7 made when the call
-- arrives), never by the client's X-Request-Id: a client that sent the same request id twice
-- made two calls, and both are billed. request_id stays, for correlation only.
ALTER TABLE usage_logs DROP CONSTRAINT usage_logs_request_id_key;
CREATE INDEX usage_logs_request ON usage_logs (request_id);
COMMENT ON COLUMN usage_logs.id IS 'the call id: made by the proxy, key of the reservation, settlement and journal record';
COMMENT ON COLUMN usage_logs.request_id IS 'the client''s X-Request-Id (or one the proxy made), for correlation only; not unique';
