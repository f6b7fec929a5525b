/** A list page's search box and page number, and the page they load (typing waits 250 ms). */
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import type { Page } from '../api/sluice';

export interface SearchedPage<T> {
  search: string;
  /** A new search starts again at page 1. */
  setSearch: (search: string) => void;
  page: number;
  setPage: (page: number) => void;
  data: Page<T> | null;
  error: string | null;
}

export function useSearchedPage<T>(load: (params: { search: string; page: number }) => Promise<Page<T>>): SearchedPage<T> {
  const [search, setSearchText] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    let live = true;
    const timer = window.setTimeout(
      () => {
        loader
          .current({ search, page })
          .then((result) => {
            if (!live) return;
            setData(result);
            setError(null);
          })
          .catch((err) => live && setError(errorMessage(err)));
      },
      search ? 250 : 0,
    );
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [search, page]);

  const setSearch = (text: string) => {
    setSearchText(text);
    setPage(1);
  };
  return { search, setSearch, page, setPage, data, error };
}
