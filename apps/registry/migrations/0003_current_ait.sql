-- The agent's current AIT as issued (an AIT holds nothing secret): a renewal whose answer was lost
-- is answered it again when the agent retries with the AIT it renewed away from (a few minutes).
-- NULL on rows written before this migration or by an older Worker: no recovery for those.
ALTER TABLE agents ADD COLUMN current_ait TEXT;
