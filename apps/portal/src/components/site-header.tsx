import Link from 'next/link';
import { signOut } from '../actions/session-actions';
import { backendFetch } from '../server/backend';
import { csrfToken, currentViewer, type Viewer } from '../server/session';
import { NavLink } from './nav-link';
import { PortcullisMark } from './portcullis-mark';
import styles from './site-header.module.css';

function navFor(viewer: Viewer): { href: string; label: string }[] {
  const items = [
    { href: '/dashboard', label: 'Dashboard' },
    { href: '/catalog', label: 'Catalog' },
    { href: '/apps', label: 'Applications' },
    { href: '/teams', label: 'Teams' },
  ];
  if (viewer.isApprover) {
    items.push(
      { href: '/approvals', label: 'Approvals' },
      { href: '/owner/apis', label: 'Your APIs' },
    );
  }
  if (viewer.isSecurity) items.push({ href: '/security/audit', label: 'Security' });
  if (viewer.isAdmin) items.push({ href: '/admin/users', label: 'Admin' });
  return items;
}

async function unreadCount(): Promise<number> {
  try {
    const response = await backendFetch('identity', '/v1/notifications', {
      query: { unread: 'true', pageSize: 1 },
    });
    if (!response.ok) return 0;
    const body = (await response.json()) as { unread?: unknown };
    return typeof body.unread === 'number' ? body.unread : 0;
  } catch {
    return 0;
  }
}

export async function SiteHeader() {
  const viewer = await currentViewer();
  return (
    <header className={styles.header}>
      <div className={`container ${styles.bar}`}>
        <Link href={viewer ? '/dashboard' : '/'} className={styles.brand}>
          <PortcullisMark />
          <span>Portcullis</span>
        </Link>
        {viewer ? <SignedInNav viewer={viewer} /> : <PublicNav />}
      </div>
    </header>
  );
}

function PublicNav() {
  return (
    <nav aria-label="Main">
      <ul className={styles.list}>
        <li>
          <NavLink href="/catalog" className={styles.link}>
            API catalog
          </NavLink>
        </li>
        <li>
          <NavLink href="/docs/getting-started" className={styles.link}>
            Getting started
          </NavLink>
        </li>
        <li>
          <NavLink href="/sign-in" className={styles.link}>
            Sign in
          </NavLink>
        </li>
        <li>
          <NavLink href="/sign-up" className={`button button-primary ${styles.cta}`}>
            Sign up
          </NavLink>
        </li>
      </ul>
    </nav>
  );
}

async function SignedInNav({ viewer }: { viewer: Viewer }) {
  const [unread, csrf] = await Promise.all([unreadCount(), csrfToken()]);
  const bellLabel = unread === 0 ? 'Notifications, none unread' : `Notifications, ${unread} unread`;
  return (
    <>
      <nav aria-label="Main" className={styles.mainNav}>
        <ul className={styles.list}>
          {navFor(viewer).map((item) => (
            <li key={item.href}>
              <NavLink href={item.href} className={styles.link}>
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className={styles.account}>
        <Link href="/notifications" className={styles.bell} aria-label={bellLabel}>
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path
              d="M12 3a6 6 0 0 0-6 6v3.6L4.3 16a1 1 0 0 0 .9 1.5h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Zm0 19a3 3 0 0 0 3-3H9a3 3 0 0 0 3 3Z"
              fill="currentColor"
            />
          </svg>
          {unread > 0 && (
            <span className={styles.count} aria-hidden="true" data-testid="unread-count">
              {unread > 99 ? '99+' : unread}
            </span>
          )}
        </Link>
        <Link href="/account" className={styles.who} title={`${viewer.me.email} — your account`}>
          {viewer.me.displayName}
        </Link>
        <form action={signOut} className={styles.signOut}>
          <input type="hidden" name="csrf" value={csrf} />
          <button type="submit" className="button button-secondary button-small">
            Sign out
          </button>
        </form>
      </div>
    </>
  );
}
