/**
 * A button disabled while its action runs loses the keyboard focus (it goes
 * to the page itself). When the action ends and nothing else took the focus
 * (a new step's title, an invalid field), give it back to that control, so
 * that a keyboard or screen-reader user is not thrown back to the top.
 */
import { useEffect, useRef, type RefObject } from 'react';

export function useFocusBack(busy: boolean, target: RefObject<HTMLElement | null>): void {
  const wasBusy = useRef(busy);
  useEffect(() => {
    const ended = wasBusy.current && !busy;
    wasBusy.current = busy;
    if (!ended) return;
    const active = document.activeElement;
    if (!active || active === document.body) target.current?.focus();
  }, [busy, target]);
}
