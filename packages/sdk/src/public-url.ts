/** Host names reserved for documentation and tests (RFC 2606, RFC 6761): never a real deployment. */
const PLACEHOLDER_SUFFIXES = [".example", ".invalid", ".test", ".localhost", ".local"];
const PLACEHOLDER_HOSTS = ["example.com", "example.net", "example.org", "localhost"];

const isLoopback = (host: string) =>
  host === "localhost" || host === "[::1]" || host === "0.0.0.0" || /^127(\.\d{1,3}){3}$/.test(host);

/**
 * Why `url` cannot be a deployed Worker's public address (a loopback or placeholder host, or not
 * https), or null when it can. Config outside local development refuses such a URL by name.
 */
export function describeNonPublicUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  const host = parsed.hostname.toLowerCase();
  if (isLoopback(host)) return "points at a loopback address";
  if (PLACEHOLDER_HOSTS.includes(host) || PLACEHOLDER_SUFFIXES.some((suffix) => host.endsWith(suffix))) {
    return "is a placeholder host; set the real hostname";
  }
  if (parsed.protocol !== "https:") return "must be https";
  return null;
}
