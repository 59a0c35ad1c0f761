export {
  createDeadLetterService,
  type DeadLetterQuery,
  type DeadLetterService,
  type DeadLetterServiceDeps,
} from "./dead-letter-service";
