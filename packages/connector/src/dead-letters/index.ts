export {
  createDeadLetterService,
  type DeadLetterQuery,
  type DeadLetterService,
  type DeadLetterServiceDeps,
} from "./dead-letter-service";
export { DeadLetterReadError, readDeadLetters } from "./read-dead-letters";
