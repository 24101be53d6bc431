import { NavLink } from './nav-link';

export function SecurityNav() {
  return (
    <nav aria-label="Security" className="view-switch">
      <ul className="tag-list">
        <li>
          <NavLink href="/security/audit" className="button button-small button-secondary">
            Audit search
          </NavLink>
        </li>
        <li>
          <NavLink href="/security/alerts" className="button button-small button-secondary">
            Alerts
          </NavLink>
        </li>
        <li>
          <NavLink href="/security/siem" className="button button-small button-secondary">
            SIEM sinks
          </NavLink>
        </li>
      </ul>
    </nav>
  );
}
