-- An agent's own capacity, overriding `routing.agent_capacity` and
-- `routing.channel_capacity`: a JSON object of `total` and channel names to counts. Empty for
-- agents who take the configured defaults.
ALTER TABLE agents ADD COLUMN capacity TEXT NOT NULL DEFAULT '{}';
