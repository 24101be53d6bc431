import Link from 'next/link';
import { currentViewer } from '../server/session';
import styles from './site-footer.module.css';

export async function SiteFooter() {
  const viewer = await currentViewer();
  const links = viewer
    ? [
        { href: '/catalog', label: 'API catalog' },
        { href: '/docs/getting-started', label: 'Getting started' },
        { href: '/notifications', label: 'Notifications' },
        { href: '/account', label: 'Your account' },
      ]
    : [
        { href: '/catalog', label: 'API catalog' },
        { href: '/docs/getting-started', label: 'Getting started' },
        { href: '/sign-in', label: 'Sign in' },
        { href: '/sign-up', label: 'Sign up' },
      ];
  return (
    <footer className={styles.footer}>
      <div className={`container ${styles.inner}`}>
        <p>Portcullis — self-hosted machine-to-machine API access. Apache-2.0.</p>
        <nav aria-label="Footer">
          <ul className={styles.list}>
            {links.map((link) => (
              <li key={link.href}>
                <Link href={link.href}>{link.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
      </div>
    </footer>
  );
}
