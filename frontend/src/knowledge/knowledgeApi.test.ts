import { describe, expect, it } from 'vitest';
import { sharePath } from '../api/sluice';
import { type KnowledgeDocument, describeEmbedding, describePosition, formatSize, stillProcessing } from './knowledgeApi';

function doc(status: KnowledgeDocument['status']): KnowledgeDocument {
  return {
    id: 1,
    filename: 'a.txt',
    content_type: 'text/plain',
    size: 10,
    sha256: '',
    status,
    error: '',
    pages: null,
    chunk_count: 0,
    created_by: null,
    created_at: '',
    processed_at: null,
  };
}

describe('knowledge helpers', () => {
  it('says where a passage is: its number, characters and page', () => {
    expect(describePosition({ position: { index: 2, start: 1200, end: 1980 }, page: 3 })).toBe('passage 3 · characters 1200–1980 · page 3');
    expect(describePosition({ position: { index: 0, start: 0, end: 40 }, page: null })).toBe('passage 1 · characters 0–40');
  });

  it('keeps polling only while the worker has a document to finish', () => {
    expect(stillProcessing([doc('ready'), doc('queued')])).toBe(true);
    expect(stillProcessing([doc('ready'), doc('processing')])).toBe(true);
    expect(stillProcessing([doc('ready'), doc('failed')])).toBe(false);
    expect(stillProcessing([])).toBe(false);
  });

  it('names the embeddings and sizes in words', () => {
    expect(describeEmbedding({ provider: 'local' })).toBe('local model (all-MiniLM-L6-v2)');
    expect(describeEmbedding({ profile: 'embedder' })).toBe('model profile “embedder”');
    expect([formatSize(512), formatSize(12 * 1024), formatSize(1.5 * 1024 * 1024)]).toEqual(['512 B', '12 KB', '1.5 MB']);
  });

  it('shares a collection at its own address', () => {
    expect(sharePath({ kind: 'collection', id: 7 })).toBe('/api/v1/collections/7/share/');
  });
});
