-- An agent's own capacity, overriding `routing.agent_capacity` and
-- `routing.channel_capacity`: a JSON object of `total` and channel names to counts. Empty for
-- agents who take the configured defaults.
ALTER TABLE agents ADD COLUMN capacity TEXT NOT NULL DEFAULT '{}';

-- Set once a conversation breached its first-response target (its priority was raised then):
-- a restart must not breach and raise it again.
ALTER TABLE conversations ADD COLUMN sla_breached INTEGER NOT NULL DEFAULT 0;
