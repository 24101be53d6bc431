import Link from 'next/link';
import { NavLink } from './nav-link';
import { PortcullisMark } from './portcullis-mark';
import styles from './site-header.module.css';

export function SiteHeader() {
  return (
    <header className={styles.header}>
      <div className={`container ${styles.bar}`}>
        <Link href="/" className={styles.brand}>
          <PortcullisMark />
          <span>Portcullis</span>
        </Link>
        <nav aria-label="Main">
          <ul className={styles.list}>
            <li>
              <NavLink href="/catalog" className={styles.link}>
                API catalog
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
      </div>
    </header>
  );
}
