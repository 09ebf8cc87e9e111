//! The public pages: log in and sign up.

use crate::ui::hydration::mark_document_hydrated;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    mark_document_hydrated();
    view! {
        <Title text=title/>
        <main class="centered-page">
            <div class="card narrow">
                <a class="brand" href="/">"IGNY8"</a>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <AuthCard title="Log in">
            <form class="form" method="post">
                <label>"Email" <input type="email" name="email" autocomplete="email" required/></label>
                <label>"Password" <input type="password" name="password" autocomplete="current-password" required/></label>
                <button class="button" type="submit">"Log in"</button>
            </form>
            <p class="muted">"New here? " <a href="/signup">"Create an account"</a></p>
        </AuthCard>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    view! {
        <AuthCard title="Create your account">
            <form class="form" method="post">
                <label>"Your name" <input type="text" name="full_name" autocomplete="name"/></label>
                <label>"Company" <input type="text" name="account_name" autocomplete="organization"/></label>
                <label>"Email" <input type="email" name="email" autocomplete="email" required/></label>
                <label>"Password" <input type="password" name="password" autocomplete="new-password" minlength="10" required/></label>
                <button class="button" type="submit">"Sign up"</button>
            </form>
            <p class="muted">"Already have an account? " <a href="/login">"Log in"</a></p>
        </AuthCard>
    }
}
