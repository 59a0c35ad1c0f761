export { createJobWorker, type JobWorkerOptions } from "./job-worker";
export { type OutboundReceiptInput, recordOutboundReceipt } from "./outbound-receipt";
export { createReceiptFrameHandler, type ReceiptFrameHandlerDeps } from "./receipt-frame-handler";
export { createReceiptPoster, type ReceiptPosterDeps } from "./receipt-poster";
export { enqueueRuntimeNotice, type RuntimeNoticeInput, toRuntimeReceiptBody } from "./runtime-notice";
export { createRuntimeNotifier, type RuntimeNotifierDeps } from "./runtime-notifier";
