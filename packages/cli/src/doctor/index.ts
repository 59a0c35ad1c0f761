export { DOCTOR_CHECK_STATES, type DoctorCheck, type DoctorCheckState, type DoctorReport } from "./doctor-check";
export { runDoctor } from "./run-doctor";
