export { type BillableOp, countBillable, countSqlCursor, readBillableOps } from "./billable-ops";
export { toCountedStub } from "./counted-stub";
