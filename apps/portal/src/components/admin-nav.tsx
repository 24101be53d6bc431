import { NavLink } from './nav-link';

export function AdminNav() {
  return (
    <nav aria-label="Administration" className="view-switch">
      <ul className="tag-list">
        <li>
          <NavLink href="/admin/users" className="button button-small button-secondary">
            Users and roles
          </NavLink>
        </li>
        <li>
          <NavLink href="/admin/apis" className="button button-small button-secondary">
            APIs and plans
          </NavLink>
        </li>
        <li>
          <NavLink href="/admin/invitations" className="button button-small button-secondary">
            Invitations
          </NavLink>
        </li>
      </ul>
    </nav>
  );
}
