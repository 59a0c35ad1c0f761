export const DOCTOR_CHECK_STATES = ["ok", "warn", "fail", "skipped"] as const;
export type DoctorCheckState = (typeof DOCTOR_CHECK_STATES)[number];

/** One line of `connector doctor`: what was checked, what was found, and how to fix a problem. */
export interface DoctorCheck {
  name: "identity" | "proxy" | "proxy_auth" | "connector" | "relay_socket" | "webhook" | "signing" | "deliveries";
  status: DoctorCheckState;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  agentName: string;
  agentDid: string;
  /** No check failed (warnings allowed). */
  ok: boolean;
  checks: DoctorCheck[];
}
