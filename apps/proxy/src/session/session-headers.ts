/** Set by the app on the upgrade it forwards to the session, after authenticating the agent. */
export const SESSION_AGENT_HEADER = "x-clawdentity-session-agent";
export const SESSION_JTI_HEADER = "x-clawdentity-session-jti";
