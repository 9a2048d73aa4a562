// A value that follows its source once the source has stopped changing for `quietMs`: customers
// often send a question in several quick messages, and the knowledge search and mood should answer
// the whole burst once rather than every line of it.

import { useEffect, useState } from "react";

export function useSettled<T>(value: T, quietMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), quietMs);
    return () => clearTimeout(timer);
  }, [value, quietMs]);
  return settled;
}
