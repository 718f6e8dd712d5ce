/** Parsing of what users send: keys from the raw path, values from the body. Throws InvalidRequest. */
import { InvalidRequest } from '../../common/errors.js';
import { MAX_KEY_BYTES } from '../../common/wire.js';

export { parseConditions, parseValue } from '../rpc/parse.js';

/** Decodes the key from the raw (still percent-encoded) path segment. */
export function parseKey(rawSegment: string): string {
  let key: string;
  try {
    key = decodeURIComponent(rawSegment);
  } catch {
    throw new InvalidRequest('INVALID_KEY', 'the key is not valid percent-encoding (encode it with encodeURIComponent)');
  }
  if (key.length === 0) throw new InvalidRequest('INVALID_KEY', 'the key must not be empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new InvalidRequest('KEY_TOO_LONG', `the key is longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  return key;
}
