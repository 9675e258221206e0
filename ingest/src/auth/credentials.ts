/** The secret of `Authorization: Bearer <key>`, or null when the header is missing or of another scheme. */
export function readBearer(authorization: string): string | null {
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization);
  return match ? match[1]! : null;
}
