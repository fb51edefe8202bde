// What the signed-in person may do. A Referrals user works only the leads it owns or is on the
// team of: the page hides what only admins may use (elements marked data-admin: insights, the
// business profile, the sort, "My leads", Download CSV) and the detail offers no accept,
// decline or assign. Local sign-in knows the role; elsewhere a 403 from /insights tells.
let restricted = false;

export function setRestricted(on) {
  restricted = Boolean(on);
  document.documentElement.classList.toggle("restricted", restricted);
}

export function isRestricted() {
  return restricted;
}
