// HTTP status lines for the codes larch sends (uWS needs the full "code reason" text).
const reasons: Record<number, string> = {
  200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  411: 'Length Required', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  499: 'Client Closed Request', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const lines = new Map(Object.entries(reasons).map(([code, reason]) => [Number(code), `${code} ${reason}`]));

export function statusLine(code: number): string {
  return lines.get(code) ?? `${code} Error`;
}
