import test from 'ava';
import { newRequestId, validRequestId } from '../../common/request-id.js';

test('request ids: 14 hex digits or more, one prefix per process, all different over many requests, and valid as a header', (t) => {
  const ids = Array.from({ length: 10_000 }, () => newRequestId());
  t.is(new Set(ids).size, ids.length);
  for (const id of ids.slice(0, 100)) {
    t.regex(id, /^[0-9a-f]{14,}$/);
    t.is(id.slice(0, 8), ids[0].slice(0, 8));
    t.is(validRequestId(id), id);
  }
});
