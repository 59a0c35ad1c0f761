import {
  CONNECTOR_PATHS,
  connectorDeadLetterQuerySchema,
  deadLetterDirectionSchema,
  olderThanSchema,
  ulidSchema,
} from "@clawdentity/protocol";
import type { Hono } from "hono";
import type { DeadLetterService } from "../dead-letters";

const querySchema = connectorDeadLetterQuerySchema.extend({ olderThan: olderThanSchema.optional() });

export function registerDeadLetterRoutes(app: Hono, deps: { deadLetters: DeadLetterService }): void {
  app.get(CONNECTOR_PATHS.deadLetters, (c) => {
    const query = querySchema.parse(c.req.query());
    return c.json({ deadLetters: deps.deadLetters.list(query) });
  });

  app.post(`${CONNECTOR_PATHS.deadLetters}/:messageId/retry`, (c) => {
    const messageId = ulidSchema.parse(c.req.param("messageId"));
    const direction = deadLetterDirectionSchema.optional().parse(c.req.query("direction"));
    return c.json(deps.deadLetters.retry(messageId, direction));
  });

  app.delete(CONNECTOR_PATHS.deadLetters, (c) => {
    const query = querySchema.omit({ limit: true }).parse(c.req.query());
    return c.json(deps.deadLetters.purge(query));
  });
}
