import Link from 'next/link';
import styles from './site-footer.module.css';

export function SiteFooter() {
  return (
    <footer className={styles.footer}>
      <div className={`container ${styles.inner}`}>
        <p>Portcullis — self-hosted machine-to-machine API access. Apache-2.0.</p>
        <nav aria-label="Footer">
          <ul className={styles.list}>
            <li>
              <Link href="/catalog">API catalog</Link>
            </li>
            <li>
              <Link href="/sign-in">Sign in</Link>
            </li>
            <li>
              <Link href="/sign-up">Sign up</Link>
            </li>
          </ul>
        </nav>
      </div>
    </footer>
  );
}
