-- Why triage filed a conversation as an emergency ("a login from a device the customer does
-- not have"), shown to agents beside the category. NULL for every other triage.
ALTER TABLE conversations ADD COLUMN triage_signal TEXT;
