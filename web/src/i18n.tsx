import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

// Chinese first; English one click away. Texts sit beside the code that shows them as (zh, en)
// pairs, so a page is read in one place. Elder mode (适老化) lives here too: larger type, higher
// contrast and fewer steps, remembered on the device.

export type Lang = 'zh' | 'en';

interface Prefs {
  lang: Lang;
  setLang: (l: Lang) => void;
  elder: boolean;
  setElder: (e: boolean) => void;
  tr: (zh: string, en: string) => string;
}

const Ctx = createContext<Prefs | undefined>(undefined);

function stored<T extends string>(key: string, fallback: T, allowed: readonly T[]): T {
  try {
    const v = localStorage.getItem(key) as T | null;
    return v && allowed.includes(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

export function PrefsProvider({ children }: { children: ReactNode }): ReactNode {
  const [lang, setLang] = useState<Lang>(() => stored<Lang>('yibao.lang', 'zh', ['zh', 'en']));
  const [elder, setElder] = useState<boolean>(() => stored('yibao.elder', 'off', ['on', 'off']) === 'on');
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.documentElement.classList.toggle('elder', elder);
    try {
      localStorage.setItem('yibao.lang', lang);
      localStorage.setItem('yibao.elder', elder ? 'on' : 'off');
    } catch {
      // private mode: preferences last for this page only
    }
  }, [lang, elder]);
  const tr = (zh: string, en: string): string => (lang === 'zh' ? zh : en);
  return <Ctx.Provider value={{ lang, setLang, elder, setElder, tr }}>{children}</Ctx.Provider>;
}

export function usePrefs(): Prefs {
  const p = useContext(Ctx);
  if (!p) throw new Error('usePrefs outside PrefsProvider');
  return p;
}
