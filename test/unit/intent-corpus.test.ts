import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/core/intent/parse-request.js';
import { CORPUS } from '../fixtures/intent-corpus.js';
import { TEST_VOCABULARY } from '../helpers/vocabulary.js';

describe('intent parser: the phrasing corpus', () => {
  it('has at least 150 phrasings', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(CORPUS.map((c) => [c.text.length > 60 ? `${c.text.slice(0, 57)}…` : c.text, c]))(
    '%s',
    (_label, entry) => {
      const parsed = parseRequest(entry.text, { vocabulary: TEST_VOCABULARY, ...entry.context });
      expect(parsed).toMatchObject(entry.expect);
    },
  );
});
