import { useState, type FormEvent, type ReactNode } from 'react';
import { post } from '../api.ts';
import { usePrefs } from '../i18n.tsx';
import { ErrorBox, Field } from '../ui.tsx';

// Two doors: insured persons with their ID number and a code sent to their phone; staff with
// their account and password.

export function SignIn({ onSignedIn }: { onSignedIn: () => void }): ReactNode {
  const { tr } = usePrefs();
  const [tab, setTab] = useState<'person' | 'staff'>('person');
  return (
    <div className="signin">
      <h1>{tr('登录医保服务', 'Sign in')}</h1>
      <div role="tablist" aria-label={tr('登录方式', 'How to sign in')} className="tabs">
        <button role="tab" type="button" aria-selected={tab === 'person'} aria-controls="signin-panel" onClick={() => setTab('person')}>
          {tr('参保人', 'Insured person')}
        </button>
        <button role="tab" type="button" aria-selected={tab === 'staff'} aria-controls="signin-panel" onClick={() => setTab('staff')}>
          {tr('工作人员', 'Staff')}
        </button>
      </div>
      <div id="signin-panel" role="tabpanel" className="card">
        {tab === 'person' ? <PersonSignIn onSignedIn={onSignedIn} /> : <StaffSignIn onSignedIn={onSignedIn} />}
      </div>
    </div>
  );
}

function PersonSignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const { tr } = usePrefs();
  const [certno, setCertno] = useState('');
  const [code, setCode] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const send = async (): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      const r = await post<{ sent_to: string }>('/api/v1/auth/code', { certno });
      setSentTo(r.sent_to);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!sentTo) return send();
    setError(null);
    setBusy(true);
    try {
      await post('/api/v1/auth/person', { certno, code });
      onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Field label={tr('身份证号', 'ID number')} hint={tr('18 位居民身份证号码', 'Your 18-character resident ID number')}>
        {(id, d) => <input id={id} aria-describedby={d} name="certno" autoComplete="username" inputMode="text" value={certno} onChange={(e) => setCertno(e.target.value.trim())} required maxLength={18} />}
      </Field>
      {sentTo && (
        <Field label={tr('短信验证码', 'Code from the text message')} hint={tr(`已发送到 ${sentTo}，5 分钟内有效`, `Sent to ${sentTo}; valid for 5 minutes`)}>
          {(id, d) => <input id={id} aria-describedby={d} name="code" autoComplete="one-time-code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value.trim())} maxLength={6} required />}
        </Field>
      )}
      {error !== null && <ErrorBox error={error} />}
      <div className="actions">
        {sentTo && (
          <button type="button" className="secondary" onClick={() => void send()} disabled={busy}>
            {tr('重新发送', 'Send again')}
          </button>
        )}
        <button type="submit" disabled={busy || certno.length !== 18}>
          {sentTo ? tr('登录', 'Sign in') : tr('获取验证码', 'Send me a code')}
        </button>
      </div>
    </form>
  );
}

function StaffSignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const { tr } = usePrefs();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await post('/api/v1/auth/staff', { username, password });
      onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Field label={tr('账号', 'Username')}>{(id) => <input id={id} name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />}</Field>
      <Field label={tr('密码', 'Password')}>{(id) => <input id={id} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}</Field>
      {error !== null && <ErrorBox error={error} />}
      <div className="actions">
        <button type="submit" disabled={busy || !username || !password}>
          {tr('登录', 'Sign in')}
        </button>
      </div>
    </form>
  );
}
